import { SwitchboardError } from '@switchboard/errors';
import { sameHash } from './api-key-token.ts';
import type { KeyRecord } from './key-record.ts';
import {
  type KeyListQuery,
  type KeyMatch,
  type KeyPage,
  type KeyStore,
  type KeyUsageMark,
  LIST_SCAN_BUDGET,
} from './key-store.ts';

/** The single-process key store (the default without REDIS_URL). Records are copied in and out. */
export class MemoryKeyStore implements KeyStore {
  readonly #records = new Map<string, KeyRecord>();
  readonly #idByHash = new Map<string, string>();

  async insert(record: KeyRecord): Promise<void> {
    if (this.#records.has(record.id)) throw new SwitchboardError('CONFLICT', `Key ${record.id} already exists.`);
    this.#records.set(record.id, structuredClone(record));
    for (const secret of record.secrets) this.#idByHash.set(secret.hash, record.id);
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
    for (const secret of before.secrets) if (!kept.has(secret.hash)) this.#idByHash.delete(secret.hash);
    for (const hash of kept) this.#idByHash.set(hash, id);
    return { before, after: structuredClone(after) };
  }

  async findByHash(hash: string): Promise<KeyMatch | null> {
    const id = this.#idByHash.get(hash);
    const record = id === undefined ? undefined : this.#records.get(id);
    if (record === undefined) return null;
    const secret = record.secrets.find((s) => sameHash(s.hash, hash));
    return secret === undefined ? null : { record: structuredClone(record), secret: { ...secret } };
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
}
