import { SwitchboardError } from '@switchboard/errors';
import { type Clock, systemClock } from '../clock.ts';
import { sameHash } from './api-key-token.ts';
import type { KeyRecord, StoredSecret } from './key-record.ts';
import {
  type KeyListQuery,
  type KeyMatch,
  type KeyPage,
  type KeyStore,
  type KeyUsageMark,
  LIST_SCAN_BUDGET,
  liveRetirement,
  RETIRED_SECRET_TTL_MS,
  type RetiredSecret,
  retirement,
} from './key-store.ts';

/** The single-process key store (the default without REDIS_URL). Records are copied in and out. */
export class MemoryKeyStore implements KeyStore {
  readonly #records = new Map<string, KeyRecord>();
  readonly #idByHash = new Map<string, string>();
  readonly #retired = new Map<string, RetiredSecret>();
  readonly #clock: Clock;

  constructor(options: { clock?: Clock | undefined } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async insert(record: KeyRecord): Promise<void> {
    if (this.#records.has(record.id)) throw new SwitchboardError('CONFLICT', `Key ${record.id} already exists.`);
    this.#records.set(record.id, structuredClone(record));
    this.#index(record.id, record.secrets);
  }

  async get(id: string): Promise<KeyRecord | null> {
    const record = this.#records.get(id);
    return record === undefined ? null : structuredClone(record);
  }

  async update(
    id: string,
    change: (current: KeyRecord) => KeyRecord,
  ): Promise<{ before: KeyRecord; after: KeyRecord } | null> {
    const stored = this.#records.get(id);
    if (stored === undefined) return null;
    const before = structuredClone(stored);
    const changed = change(structuredClone(stored));
    // The record keeps its identity and usage marks whatever `change` returned.
    const after: KeyRecord = {
      ...structuredClone(changed),
      id,
      lastUsedAt: stored.lastUsedAt,
      lastUsedIp: stored.lastUsedIp,
    };
    this.#records.set(id, after);
    const kept = new Set(after.secrets.map((s) => s.hash));
    const now = this.#clock.now();
    this.#forgetRetired(now);
    for (const secret of before.secrets) {
      if (kept.has(secret.hash)) continue;
      this.#idByHash.delete(secret.hash);
      this.#retired.set(secret.hash, retirement(id, secret, now));
    }
    this.#index(id, after.secrets);
    return { before, after: structuredClone(after) };
  }

  async findByHash(hash: string): Promise<KeyMatch | null> {
    const id = this.#idByHash.get(hash);
    const record = id === undefined ? undefined : this.#records.get(id);
    if (record === undefined) return null;
    const secret = record.secrets.find((s) => sameHash(s.hash, hash));
    return secret === undefined ? null : { record: structuredClone(record), secret: { ...secret } };
  }

  async findRetired(hash: string): Promise<RetiredSecret | null> {
    const retired = this.#retired.get(hash);
    return retired === undefined ? null : liveRetirement(retired, this.#clock.now());
  }

  async list(query: KeyListQuery): Promise<KeyPage> {
    const ids = [...this.#records.keys()].sort();
    const start = query.cursor === undefined ? 0 : ids.findIndex((id) => id > query.cursor!);
    const items: KeyRecord[] = [];
    if (start === -1) return { items, nextCursor: null };
    let index = start;
    let scanned = 0;
    while (index < ids.length && items.length < query.limit && scanned < LIST_SCAN_BUDGET) {
      const record = this.#records.get(ids[index]!)!;
      index++;
      scanned++;
      if (query.matches === undefined || query.matches(record)) items.push(structuredClone(record));
    }
    return { items, nextCursor: index < ids.length ? ids[index - 1]! : null };
  }

  async markUsed(marks: readonly KeyUsageMark[]): Promise<void> {
    for (const mark of marks) {
      const record = this.#records.get(mark.keyId);
      if (record === undefined || (record.lastUsedAt !== null && record.lastUsedAt >= mark.at)) continue;
      record.lastUsedAt = mark.at;
      record.lastUsedIp = mark.ip;
    }
  }

  #index(id: string, secrets: readonly StoredSecret[]): void {
    for (const secret of secrets) {
      this.#idByHash.set(secret.hash, id);
      // Written ahead, as the Redis store does (there the index entry expires): it answers once the grace ends.
      if (secret.expiresAt !== null) {
        this.#retired.set(secret.hash, { keyId: id, prefix: secret.prefix, retiredAt: secret.expiresAt });
      }
    }
  }

  /** Rotations are rare admin actions, so sweeping on each update keeps the map bounded by the TTL. */
  #forgetRetired(now: number): void {
    for (const [hash, retired] of this.#retired) {
      if (retired.retiredAt + RETIRED_SECRET_TTL_MS <= now) this.#retired.delete(hash);
    }
  }
}
