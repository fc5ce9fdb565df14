/**
 * Writes that must not happen twice (DESIGN.md): the first outcome under an idempotency key is stored and
 * replayed; the same key with other arguments is refused; an attempt whose outcome is unknown (timeout,
 * reset, 5xx after sending, or a process that died mid-write) is "uncertain" and must be reconciled with
 * the upstream before anything is resent.
 */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  /** Proves ownership of the record to complete / markUncertain / release. */
  token: string;
}

export type BeginResult =
  /** Nobody tried this key yet: the caller owns the attempt and must settle its claim. */
  | { state: 'new'; claim: IdempotencyClaim }
  /** Done before: return this outcome again, send nothing. */
  | { state: 'replay'; outcome: unknown; completedAt: number }
  /** The key was used with other arguments. */
  | { state: 'mismatch' }
  /** Another call holds the key right now. */
  | { state: 'in-progress'; retryAfterMs: number }
  /** An earlier attempt's outcome is unknown: the caller holds the claim to reconcile it. */
  | {
      state: 'uncertain';
      claim: IdempotencyClaim;
      uncertainSince: number;
      attempt: Record<string, unknown> | null;
      note: string | null;
    };

export interface BeginOptions {
  /** How long the record (and so the replay) lives. Default 24 h. */
  ttlMs?: number;
  /** How long the claimant may take; past it the attempt counts as uncertain. Default 120 s. */
  leaseMs?: number;
  /** Context kept for reconciliation (what was sent, when); no secrets. */
  attempt?: Record<string, unknown>;
}

export interface IdempotencyStore {
  begin(scope: string, key: string, fingerprint: string, options?: BeginOptions): Promise<BeginResult>;
  /** Stores the outcome to replay. False when the claim no longer owns the record. */
  complete(claim: IdempotencyClaim, outcome: unknown, options?: { ttlMs?: number }): Promise<boolean>;
  /** The outcome is unknown: the next begin() reconciles before anything is resent. */
  markUncertain(claim: IdempotencyClaim, note?: string): Promise<boolean>;
  /** The attempt had no effect upstream (refused, invalid): a new record is forgotten so a retry starts over. */
  release(claim: IdempotencyClaim): Promise<boolean>;
  close(): Promise<void>;
}

export const DEFAULT_TTL_MS = 24 * 60 * 60_000;
export const DEFAULT_LEASE_MS = 120_000;
