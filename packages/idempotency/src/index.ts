import type { Redis } from 'ioredis';
import type { IdempotencyStore } from './idempotency-store.ts';
import { MemoryIdempotencyStore } from './memory-idempotency-store.ts';
import { RedisIdempotencyStore } from './redis-idempotency-store.ts';

export { canonicalJson, fingerprintOf } from './canonical-json.ts';
export {
  type BeginOptions,
  type BeginResult,
  DEFAULT_LEASE_MS,
  DEFAULT_TTL_MS,
  type IdempotencyClaim,
  type IdempotencyStore,
} from './idempotency-store.ts';
export { MemoryIdempotencyStore } from './memory-idempotency-store.ts';
export { RedisIdempotencyStore } from './redis-idempotency-store.ts';

/** Redis when given (shared by replicas), in-memory otherwise (one process). */
export function createIdempotencyStore(options: { redis?: Redis; prefix?: string } = {}): IdempotencyStore {
  return options.redis === undefined
    ? new MemoryIdempotencyStore()
    : new RedisIdempotencyStore(options.redis, options.prefix);
}
