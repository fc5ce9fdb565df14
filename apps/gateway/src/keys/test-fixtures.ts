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
  const counts: Record<keyof KeyStore, number> = {
    insert: 0,
    get: 0,
    update: 0,
    findByHash: 0,
    findRetired: 0,
    list: 0,
    markUsed: 0,
  };
  const counted = <A extends unknown[], R>(name: keyof KeyStore, fn: (...args: A) => R) => {
    return (...args: A): R => {
      counts[name]++;
      return fn(...args);
    };
  };
  const store: KeyStore = {
    insert: counted('insert', (record: Parameters<KeyStore['insert']>[0]) => inner.insert(record)),
    get: counted('get', (id: string) => inner.get(id)),
    update: counted('update', (id: string, change: Parameters<KeyStore['update']>[1]) => inner.update(id, change)),
    findByHash: counted('findByHash', (hash: string) => inner.findByHash(hash)),
    findRetired: counted('findRetired', (hash: string) => inner.findRetired(hash)),
    list: counted('list', (query: Parameters<KeyStore['list']>[0]) => inner.list(query)),
    markUsed: counted('markUsed', (marks: Parameters<KeyStore['markUsed']>[0]) => inner.markUsed(marks)),
  };
  return { store, counts };
}
