import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import type { Redis } from 'ioredis';
import type { KeyStore } from './key-store.ts';

/** Test-only: a client on the shared Redis with a prefix no other test uses, and cleanup of that prefix. */
export interface RedisTestFixture {
  redis: Redis;
  prefix: string;
  url: string;
  /** Every key under the prefix (SCAN, never KEYS on a shared server). */
  keys(): Promise<string[]>;
  /** Deletes the prefix's keys and closes the client; never FLUSHALL. */
  close(): Promise<void>;
}

export async function redisTestFixture(label: string): Promise<RedisTestFixture> {
  const redis = createRedis(SHARED_REDIS_URL, `test:${label}`);
  const prefix = uniquePrefix(label);
  const keys = async () => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  return {
    redis,
    prefix,
    url: SHARED_REDIS_URL,
    keys,
    close: async () => {
      for (const key of await keys()) await redis.del(key);
      await redis.quit();
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Test-only: a KeyStore that counts calls, so a test can prove the hot path does not reach the store. */
export function countingKeyStore(inner: KeyStore): { store: KeyStore; counts: Record<keyof KeyStore, number> } {
  const counts: Record<keyof KeyStore, number> = { insert: 0, get: 0, update: 0, findByHash: 0, list: 0, markUsed: 0 };
  const store: KeyStore = {
    insert: (record) => (counts.insert++, inner.insert(record)),
    get: (id) => (counts.get++, inner.get(id)),
    update: (id, change) => (counts.update++, inner.update(id, change)),
    findByHash: (hash) => (counts.findByHash++, inner.findByHash(hash)),
    list: (query) => (counts.list++, inner.list(query)),
    markUsed: (marks) => (counts.markUsed++, inner.markUsed(marks)),
  };
  return { store, counts };
}
