import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
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
  return new RedisOAuthStore(options.redis, { prefix: options.prefix ?? 'sb:' });
}
