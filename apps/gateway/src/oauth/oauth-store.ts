/** How a client proves itself at the token endpoint (RFC 7591 §2). */
export type ClientAuthMethod = 'none' | 'client_secret_post' | 'client_secret_basic';

/** A client this server registered: dynamically (RFC 7591) or by an admin ("Advanced settings" in Claude). */
export interface ClientRecord {
  id: string;
  kind: 'dynamic' | 'preregistered';
  name: string;
  redirectUris: string[];
  authMethod: ClientAuthMethod;
  /** SHA-256 of the client secret; null for public clients. */
  secretHash: string | null;
  createdAt: number;
  /** Last authorization or token request (dynamic clients are pruned after a period without one). */
  lastUsedAt: number;
  /** Who created a pre-registered client (an admin actor id). */
  createdBy?: string | undefined;
}

/** What an authorization code stands for; stored under the code's hash until it expires. */
export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  resource: string;
  scope: string;
  keyId: string;
  /** Fingerprint of the API-key secret pasted on the consent page (see secretFingerprint). */
  secretFingerprint: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * A refresh-token family: every refresh token descended from one authorization. Only the newest token is
 * current; presenting an older one means a token leaked, so the whole family is revoked (OAuth 2.1 §4.3.1).
 */
export interface FamilyRecord {
  id: string;
  clientId: string;
  keyId: string;
  secretFingerprint: string;
  scope: string;
  resource: string;
  createdAt: number;
  /** When the current refresh token stops working (moves forward with every rotation). */
  expiresAt: number;
}

export type ConsumeCodeResult =
  | { status: 'consumed'; record: CodeRecord }
  | { status: 'already-used'; familyId: string | null }
  | { status: 'missing' };

export type RotateResult = 'rotated' | 'reused' | 'mismatch' | 'missing';

/**
 * Where the front door keeps its state. Secrets appear only as SHA-256 hex digests. Expiry decisions are
 * made by callers against the injected clock (records carry their own times); the store's own TTLs only
 * clean up, a margin after that.
 */
export interface OAuthStore {
  saveClient(record: ClientRecord, ttlMs: number | null): Promise<void>;
  getClient(id: string): Promise<ClientRecord | null>;
  /** Records a use of a client and extends its TTL (dynamic clients only); no-op if it is gone. */
  touchClient(id: string, at: number, ttlMs: number | null): Promise<void>;
  deleteClient(id: string): Promise<boolean>;
  listPreregisteredClients(): Promise<ClientRecord[]>;
  /** The dynamic client last registered with exactly this metadata (by digest), if remembered. */
  findRegistration(metadataDigest: string): Promise<string | null>;
  rememberRegistration(metadataDigest: string, clientId: string, ttlMs: number): Promise<void>;

  saveCode(codeHash: string, record: CodeRecord, ttlMs: number): Promise<void>;
  getCode(codeHash: string): Promise<CodeRecord | null>;
  /** Marks the code used and links it to the family it produced, atomically: a code is redeemed once. */
  consumeCode(codeHash: string, familyId: string): Promise<ConsumeCodeResult>;

  createFamily(record: FamilyRecord, currentTokenHash: string, ttlMs: number): Promise<void>;
  getFamily(id: string): Promise<FamilyRecord | null>;
  /**
   * Replaces the current refresh token if `presentedHash` is it; deletes the family if `presentedHash` is
   * one of its earlier tokens (reuse). Atomic, so two replicas never both rotate one token.
   */
  rotateFamily(
    id: string,
    presentedHash: string,
    nextHash: string,
    expiresAt: number,
    ttlMs: number,
  ): Promise<RotateResult>;
  deleteFamily(id: string): Promise<boolean>;
  /**
   * The families issued for one API key (the grants an admin sees and can revoke), oldest first. Read
   * through a by-key index kept where families are created and deleted; families that ended otherwise
   * (expired, or deleted on reuse) drop out of the index when it is read.
   */
  listFamiliesByKey(keyId: string): Promise<FamilyRecord[]>;

  /** Stores `candidate` unless signing keys are stored already; returns what is stored (first writer wins). */
  claimSigningKeys(candidate: string): Promise<string>;
}

/** How many earlier refresh tokens of a family are remembered to recognise reuse. */
export const REMEMBERED_REFRESH_TOKENS = 32;

/** Oldest first; ties by id, so both stores list in the same order. */
export function byCreation(a: FamilyRecord, b: FamilyRecord): number {
  return a.createdAt - b.createdAt || a.id.localeCompare(b.id);
}
