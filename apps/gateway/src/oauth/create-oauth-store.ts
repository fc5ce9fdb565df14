import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import { storeIo } from '../keys/store-unavailable.ts';
import { MemoryOAuthStore } from './memory-oauth-store.ts';
import type { OAuthStore } from './oauth-store.ts';
import { RedisOAuthStore } from './redis-oauth-store.ts';

export interface OAuthStoreOptions {
  /** Unset: in-memory store (single process). */
  redis?: Redis | undefined;
  /** Redis key prefix; default `sb:`. */
  prefix?: string | undefined;
  clock?: Clock | undefined;
}

export function createOAuthStore(options: OAuthStoreOptions = {}): OAuthStore {
  if (options.redis === undefined) return new MemoryOAuthStore({ clock: options.clock });
  return withStoreIo(new RedisOAuthStore(options.redis, { prefix: options.prefix ?? 'sb:' }));
}

/**
 * Every store call's Redis failure (connection lost, Redis restarting) becomes STORE_UNAVAILABLE, which the
 * OAuth endpoints answer with 503 `temporarily_unavailable` and Retry-After; raw ioredis errors were answered
 * as 500 `server_error`, which tells a client nothing about retrying.
 */
function withStoreIo(store: RedisOAuthStore): OAuthStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => storeIo('OAuth store', () => Promise.resolve(value.apply(target, args)));
    },
  });
}
