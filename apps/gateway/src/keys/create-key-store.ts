import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.ts';
import type { KeyStore } from './key-store.ts';
import { MemoryKeyStore } from './memory-key-store.ts';
import { RedisKeyStore } from './redis-key-store.ts';

export interface KeyStoreOptions {
  /** Unset: in-memory store (single process). */
  redis?: Redis | undefined;
  /** Redis key prefix; default `sb:`. */
  prefix?: string | undefined;
  clock?: Clock | undefined;
}

export function createKeyStore(options: KeyStoreOptions = {}): KeyStore {
  const clock = options.clock ?? systemClock;
  if (options.redis === undefined) return new MemoryKeyStore({ clock });
  return new RedisKeyStore(options.redis, { prefix: options.prefix ?? 'sb:', clock });
}
