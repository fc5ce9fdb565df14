import { readFileSync } from 'node:fs';
import { SwitchboardError } from '@switchboard/errors';
import type { Redis, Result } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { sameHash } from './api-key-token.ts';
import { keyLimitsSchema } from './key-limits.ts';
import type { KeyRecord } from './key-record.ts';
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
import { storeIo } from './store-unavailable.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sbPutKeyRecord(key: string, expectedVersion: string, recordJson: string): Result<number, Context>;
    sbTouchKey(key: string, atMs: string, ip: string): Result<number, Context>;
  }
}

const putKeyRecordLua = readFileSync(new URL('./lua/put-key-record.lua', import.meta.url), 'utf8');
const touchKeyLua = readFileSync(new URL('./lua/touch-key.lua', import.meta.url), 'utf8');

/** How long an expiring secret's index entry outlives the secret, so late callers hear "expired", not "unknown". */
const INDEX_SLACK_MS = 60 * 60 * 1000;
const UPDATE_ATTEMPTS = 10;

const retiredSecretSchema = z.object({ keyId: z.string(), prefix: z.string(), retiredAt: z.number() });

/** The stored JSON (usage marks live in their own hash fields, written by touch-key.lua). */
const storedRecordSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  scopes: z.array(z.string()),
  limits: keyLimitsSchema,
  createdAt: z.number(),
  updatedAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  secrets: z.array(
    z.object({ hash: z.string(), prefix: z.string(), createdAt: z.number(), expiresAt: z.number().nullable() }),
  ),
});

/**
 * Keys in Redis, Cluster-safe: every command touches one key, and each key carries a hash tag.
 *   <prefix>key:{<key id>}       hash: record (JSON), version, last_used_at, last_used_ip
 *   <prefix>keyhash:{<sha256>}   string: key id (expires after a rotated-out secret's grace)
 *   <prefix>keys:{index}         sorted set (score 0) of key ids, read in lexical = creation order
 *   <prefix>keyretired:{<sha256>} string: JSON {keyId, prefix, retiredAt} of a secret that stopped working
 *                                (expires RETIRED_SECRET_TTL_MS after it stopped)
 * Writes go record first, then index: a reader that sees an index entry without the matching secret in the
 * record treats the secret as unknown.
 */
export class RedisKeyStore implements KeyStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #clock: Clock;

  constructor(redis: Redis, options: { prefix: string; clock: Clock }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    this.#clock = options.clock;
    redis.defineCommand('sbPutKeyRecord', { numberOfKeys: 1, lua: putKeyRecordLua });
    redis.defineCommand('sbTouchKey', { numberOfKeys: 1, lua: touchKeyLua });
  }

  async insert(record: KeyRecord): Promise<void> {
    const version = await io(() => this.#redis.sbPutKeyRecord(this.#recordKey(record.id), '0', serialize(record)));
    if (version === -1) throw new SwitchboardError('CONFLICT', `Key ${record.id} already exists.`);
    await io(() => this.#reindex(record.id, [], record.secrets));
    await io(() => this.#redis.zadd(this.#listKey(), 0, record.id));
  }

  async get(id: string): Promise<KeyRecord | null> {
    return (await io(() => this.#read(id)))?.record ?? null;
  }

  async update(
    id: string,
    change: (current: KeyRecord) => KeyRecord,
  ): Promise<{ before: KeyRecord; after: KeyRecord } | null> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const current = await io(() => this.#read(id));
      if (current === null) return null;
      const changed = change(structuredClone(current.record));
      const after: KeyRecord = {
        ...changed,
        id,
        lastUsedAt: current.record.lastUsedAt,
        lastUsedIp: current.record.lastUsedIp,
      };
      const version = await io(() =>
        this.#redis.sbPutKeyRecord(this.#recordKey(id), current.version, serialize(after)),
      );
      if (version === -1) {
        // Lost a race with another writer: back off with jitter so racing writers stop colliding.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 2 ** Math.min(attempt, 5)));
        continue;
      }
      await io(() => this.#reindex(id, current.record.secrets, after.secrets));
      return { before: current.record, after };
    }
    throw new SwitchboardError('CONFLICT', `Key ${id} kept changing while it was being updated; try again.`);
  }

  async findByHash(hash: string): Promise<KeyMatch | null> {
    const id = await io(() => this.#redis.get(this.#hashKey(hash)));
    if (id === null) return null;
    const record = await this.get(id);
    const secret = record?.secrets.find((s) => sameHash(s.hash, hash));
    return record === null || record === undefined || secret === undefined ? null : { record, secret };
  }

  async findRetired(hash: string): Promise<RetiredSecret | null> {
    const stored = await io(() => this.#redis.get(this.#retiredKey(hash)));
    if (stored === null) return null;
    const parsed = retiredSecretSchema.safeParse(JSON.parse(stored));
    return parsed.success ? liveRetirement(parsed.data, this.#clock.now()) : null;
  }

  async list(query: KeyListQuery): Promise<KeyPage> {
    const items: KeyRecord[] = [];
    let last = query.cursor;
    let scanned = 0;
    while (scanned < LIST_SCAN_BUDGET) {
      const want = Math.min(Math.max(query.limit - items.length, 20), LIST_SCAN_BUDGET - scanned);
      const from = last === undefined ? '-' : `(${last}`;
      const ids = await io(() => this.#redis.zrangebylex(this.#listKey(), from, '+', 'LIMIT', 0, want));
      // One command per key (not a multi-key pipeline) keeps this Cluster-safe.
      const records = await Promise.all(ids.map((id) => this.get(id)));
      for (const [i, record] of records.entries()) {
        last = ids[i]!;
        scanned++;
        if (record !== null && (query.matches === undefined || query.matches(record))) items.push(record);
        if (items.length === query.limit) {
          const more = i < ids.length - 1 || ids.length === want;
          return { items, nextCursor: more ? last : null };
        }
      }
      if (ids.length < want) return { items, nextCursor: null };
    }
    return { items, nextCursor: last ?? null };
  }

  async markUsed(marks: readonly KeyUsageMark[]): Promise<void> {
    await io(() => Promise.all(marks.map((m) => this.#redis.sbTouchKey(this.#recordKey(m.keyId), String(m.at), m.ip))));
  }

  async #read(id: string): Promise<{ record: KeyRecord; version: string } | null> {
    const fields = await this.#redis.hgetall(this.#recordKey(id));
    if (fields['record'] === undefined || fields['version'] === undefined) return null;
    const { v: _format, ...stored } = storedRecordSchema.parse(JSON.parse(fields['record']));
    const lastUsedAt = fields['last_used_at'] === undefined ? null : Number(fields['last_used_at']);
    return {
      record: { ...stored, lastUsedAt, lastUsedIp: fields['last_used_ip'] ?? null },
      version: fields['version'],
    };
  }

  /**
   * Points every secret's hash at the key; drops hashes of removed secrets and remembers them as retired;
   * expiring secrets' entries expire, and their retirement is written ahead (it answers once the index
   * entry is gone, while the record may still hold the secret).
   */
  async #reindex(id: string, before: KeyRecord['secrets'], after: KeyRecord['secrets']): Promise<void> {
    const now = this.#clock.now();
    const kept = new Set(after.map((s) => s.hash));
    const writes: Promise<unknown>[] = [];
    for (const secret of before) {
      if (kept.has(secret.hash)) continue;
      writes.push(this.#redis.del(this.#hashKey(secret.hash)));
      writes.push(this.#retire(secret.hash, retirement(id, secret, now), now));
    }
    for (const secret of after) {
      const key = this.#hashKey(secret.hash);
      if (secret.expiresAt === null) {
        writes.push(this.#redis.set(key, id));
        continue;
      }
      // Relative TTL from the injected clock, so a test clock never makes Redis drop an entry early.
      const ttl = secret.expiresAt - now + INDEX_SLACK_MS;
      writes.push(ttl > 0 ? this.#redis.set(key, id, 'PX', ttl) : this.#redis.del(key));
      writes.push(this.#retire(secret.hash, { keyId: id, prefix: secret.prefix, retiredAt: secret.expiresAt }, now));
    }
    await Promise.all(writes);
  }

  #retire(hash: string, retired: RetiredSecret, now: number): Promise<unknown> {
    const ttl = retired.retiredAt + RETIRED_SECRET_TTL_MS - now;
    if (ttl <= 0) return Promise.resolve();
    return this.#redis.set(this.#retiredKey(hash), JSON.stringify(retired), 'PX', ttl);
  }

  #recordKey(id: string): string {
    return `${this.#prefix}key:{${id}}`;
  }

  #hashKey(hash: string): string {
    return `${this.#prefix}keyhash:{${hash}}`;
  }

  #retiredKey(hash: string): string {
    return `${this.#prefix}keyretired:{${hash}}`;
  }

  #listKey(): string {
    return `${this.#prefix}keys:{index}`;
  }
}

function io<T>(run: () => Promise<T>): Promise<T> {
  return storeIo('key store', run);
}

function serialize(record: KeyRecord): string {
  const { lastUsedAt: _at, lastUsedIp: _ip, ...stored } = record;
  return JSON.stringify({ v: 1, ...stored });
}
