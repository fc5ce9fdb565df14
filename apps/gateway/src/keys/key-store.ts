import type { KeyRecord, StoredSecret } from './key-record.ts';

export interface KeyListQuery {
  /** The last id of the previous page; absent for the first page. */
  cursor?: string | undefined;
  limit: number;
  /** Filter applied while scanning (status, owner). */
  matches?: ((record: KeyRecord) => boolean) | undefined;
}

export interface KeyPage {
  items: KeyRecord[];
  /** Pass as `cursor` for the next page; null when the scan reached the end. */
  nextCursor: string | null;
}

export interface KeyMatch {
  record: KeyRecord;
  /** The secret whose hash matched. */
  secret: StoredSecret;
}

/**
 * A secret a key no longer holds: rotated out (grace 0, or a later rotation dropped it), or past the end of
 * its grace. Kept by hash only, never the plaintext, for `RETIRED_SECRET_TTL_MS`, so whoever still presents
 * it hears what happened to it (rotated, or the key revoked since) instead of "unknown".
 */
export interface RetiredSecret {
  keyId: string;
  /** The secret's non-secret display prefix. */
  prefix: string;
  /** When it stopped working. */
  retiredAt: number;
}

/** How long a retired secret's hash is remembered; the longest rotation grace (30 days) is as long. */
export const RETIRED_SECRET_TTL_MS = 30 * 86_400_000;

export interface KeyUsageMark {
  keyId: string;
  at: number;
  ip: string;
}

/**
 * Where key records live. The record is the source of truth; the hash → id index only points at it, so a
 * stale index entry can never authenticate a secret the record no longer holds.
 */
export interface KeyStore {
  /** Throws CONFLICT if the id exists. */
  insert(record: KeyRecord): Promise<void>;
  get(id: string): Promise<KeyRecord | null>;
  /**
   * Read-modify-write of one record, safe against concurrent writers. `change` gets a copy and may throw to
   * abort. `lastUsedAt`/`lastUsedIp` are not written by `update` (see `markUsed`). Null if the id is unknown.
   */
  update(
    id: string,
    change: (current: KeyRecord) => KeyRecord,
  ): Promise<{ before: KeyRecord; after: KeyRecord } | null>;
  /** The key holding a secret with this SHA-256 (compared in constant time), or null. */
  findByHash(hash: string): Promise<KeyMatch | null>;
  /**
   * The retired secret with this SHA-256, within `RETIRED_SECRET_TTL_MS` of retirement, or null. A retired
   * secret never authenticates: callers use it only to say why a token is refused.
   */
  findRetired(hash: string): Promise<RetiredSecret | null>;
  /** Keys in creation order. A page may hold fewer than `limit` items and still have a next cursor. */
  list(query: KeyListQuery): Promise<KeyPage>;
  /** Last-used marks coalesced by the authenticator; a newer mark wins; unknown ids are ignored. */
  markUsed(marks: readonly KeyUsageMark[]): Promise<void>;
}

/** How many records one list call may read while filtering, so a sparse filter cannot scan everything. */
export const LIST_SCAN_BUDGET = 1000;

/** A secret that had an end (a rotation grace) stopped then; one dropped before its end stops now. */
export function retirement(keyId: string, secret: StoredSecret, now: number): RetiredSecret {
  const retiredAt = secret.expiresAt === null ? now : Math.min(secret.expiresAt, now);
  return { keyId, prefix: secret.prefix, retiredAt };
}

/** What `findRetired` may answer: a secret that has stopped, and not longer ago than the TTL. */
export function liveRetirement(retired: RetiredSecret, now: number): RetiredSecret | null {
  if (retired.retiredAt > now || retired.retiredAt + RETIRED_SECRET_TTL_MS <= now) return null;
  return { ...retired };
}
