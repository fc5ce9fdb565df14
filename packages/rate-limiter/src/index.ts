export { createMemoryRateLimiter, type MemoryRateLimiterOptions } from './memory-rate-limiter.ts';
export { rateLimitHeaders } from './rate-limit-headers.ts';
export type {
  ConsumeRequest,
  LayerState,
  LimitLayer,
  LimitPolicy,
  RateDecision,
  RateLimiter,
  RefusalReason,
  UsageTotals,
} from './rate-limiter.ts';
export { createRedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.ts';
export {
  createResilientRateLimiter,
  type RateLimiterState,
  type RateLimiterStateChange,
  type ResilientRateLimiter,
  type ResilientRateLimiterOptions,
} from './resilient-rate-limiter.ts';
