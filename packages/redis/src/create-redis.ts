import { Redis, type RedisOptions } from 'ioredis';

/**
 * One place that decides how Switchboard talks to Redis. Each client says why it exists (`purpose` shows in
 * CLIENT LIST), and commands fail fast while Redis is away instead of queueing without bound: callers have
 * a documented fallback (limits) or answer STORE_UNAVAILABLE (keys), they never hang a request.
 */
export function createRedis(url: string, purpose: string, overrides: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: `switchboard:${purpose}`,
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    ...overrides,
  });
  // Connection errors surface through command failures and readiness; an unhandled 'error' event would
  // crash the process, which a Redis blip must never do.
  redis.on('error', () => {});
  return redis;
}
