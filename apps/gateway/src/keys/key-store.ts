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
  /** Keys in creation order. A page may hold fewer than `limit` items and still have a next cursor. */
  list(query: KeyListQuery): Promise<KeyPage>;
  /** Last-used marks coalesced by the authenticator; a newer mark wins; unknown ids are ignored. */
  markUsed(marks: readonly KeyUsageMark[]): Promise<void>;
}

/** How many records one list call may read while filtering, so a sparse filter cannot scan everything. */
export const LIST_SCAN_BUDGET = 1000;
