/**
 * Where a tool server keeps the Google grants its callers linked. A grant belongs to one team key id and to one
 * tool server (the Gmail server's grants are not the Drive server's), so revoking a key or unlinking one
 * server never widens another's access.
 */
export interface GoogleGrant {
  /** Team key id (`key_…`) that linked the account. */
  keyId: string;
  /** Random id of this link; a reconnect gets a new one, so stale refresh failures cannot break the new link. */
  grantId: string;
  /** Stable identifier of the Google account (lower-cased email), the unit Google's per-user quotas apply to. */
  accountId: string;
  email: string;
  scopes: string[];
  /** Refresh token, encrypted with the TokenCipher (never stored in clear). */
  refreshTokenJwe: string;
  status: 'active' | 'broken';
  brokenReason?: string;
  createdAt: string;
  updatedAt: string;
}

/** A connect flow between `/connect/start` and `/connect/callback`, keyed by its `state`. */
export interface PendingConnect {
  state: string;
  keyId: string;
  codeVerifier: string;
  /** SHA-256 of the nonce kept in the browser's cookie: the callback must come from the browser that started. */
  browserNonceHash: string;
  /** When the ticket that started the flow was issued (epoch seconds). */
  ticketIssuedAt: number;
  expiresAt: number;
}

export interface GrantStore {
  get(keyId: string): Promise<GoogleGrant | undefined>;
  /** Stores the grant unless the key was deleted; returns false when it was (the grant is dropped). */
  put(grant: GoogleGrant): Promise<boolean>;
  /** Marks the grant broken, only if it is still the link `grantId` names. */
  markBroken(keyId: string, grantId: string, reason: string): Promise<void>;
  /**
   * Removes the key's grant (an admin unlinking the account) and says whether there was one. Unlike
   * `deleteKey` the key stays usable: its owner can link an account again.
   */
  unlink(keyId: string): Promise<boolean>;
  /** Deletes the grant and remembers that the key is gone, so an in-flight connect cannot recreate it. */
  deleteKey(keyId: string): Promise<void>;
  isKeyDeleted(keyId: string): Promise<boolean>;
  putPending(pending: PendingConnect): Promise<void>;
  /** Returns and removes the pending flow (single use); undefined when unknown or expired. */
  takePending(state: string): Promise<PendingConnect | undefined>;
  close(): Promise<void>;
}
