import { createRedis } from '@switchboard/redis';
import type { Redis } from 'ioredis';
import { type KeyEvents, MemoryKeyEvents } from './key-events.ts';
import { RedisKeyEvents } from './redis-key-events.ts';

export interface KeyEventsOptions {
  /**
   * Unset: in-process events (single process). A URL: this module opens (and closes) a publisher and a
   * subscriber. Clients: the caller owns them; the subscriber must be dedicated to these events.
   */
  redis?: string | { publisher: Redis; subscriber: Redis } | undefined;
  /** Channel prefix; default `sb:`. Replicas that share keys must share it. */
  prefix?: string | undefined;
  heartbeatMs?: number | undefined;
}

export function createKeyEvents(options: KeyEventsOptions = {}): KeyEvents {
  const { redis } = options;
  if (redis === undefined) return new MemoryKeyEvents();
  const channel = `${options.prefix ?? 'sb:'}key-events`;
  const heartbeat = options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs };
  if (typeof redis === 'string') {
    return new RedisKeyEvents({
      publisher: createRedis(redis, 'key-events:publish'),
      subscriber: createRedis(redis, 'key-events:subscribe', { autoResubscribe: false }),
      channel,
      ownsClients: true,
      ...heartbeat,
    });
  }
  return new RedisKeyEvents({ ...redis, channel, ownsClients: false, ...heartbeat });
}
