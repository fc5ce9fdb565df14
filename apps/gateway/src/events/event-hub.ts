import { EventEmitter } from 'node:events';
import { createRedis, keepSubscribed } from '@switchboard/redis';
import type { Redis } from 'ioredis';

/**
 * Messages every gateway replica must hear: a cancellation for a call another replica holds, a session
 * ended by DELETE, a key's scopes changed. Redis pub/sub when configured (delivery to every replica,
 * including the sender), an in-process emitter otherwise.
 */
export type HubMessage =
  | { type: 'cancel'; session: string; requestId: string | number; reason?: string }
  | { type: 'session-ended'; session: string; expiresAt: number }
  | { type: 'tools-changed' }
  | { type: 'client-response'; bridge: string; message: unknown };

export interface EventHub {
  publish(message: HubMessage): Promise<void>;
  subscribe(listener: (message: HubMessage) => void): () => void;
  /** False while the Redis subscriber is disconnected (messages from other replicas may be missed). */
  readonly connected: boolean;
  close(): Promise<void>;
}

const CHANNEL = 'sb:gateway:events';

export function createMemoryEventHub(): EventHub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    connected: true,
    async publish(message) {
      emitter.emit('message', message);
    },
    subscribe(listener) {
      emitter.on('message', listener);
      return () => emitter.off('message', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function createRedisEventHub(redis: Redis, url: string): EventHub {
  const subscriber = createRedis(url, 'gateway-events', {
    maxRetriesPerRequest: null,
    commandTimeout: undefined,
    autoResubscribe: false,
  });
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let connected = false;
  subscriber.on('ready', () => {
    connected = true;
  });
  subscriber.on('close', () => {
    connected = false;
  });
  keepSubscribed(subscriber, CHANNEL);
  subscriber.on('message', (_channel: string, text: string) => {
    try {
      emitter.emit('message', JSON.parse(text) as HubMessage);
    } catch {
      // A malformed message from another process is dropped; it must not take this one down.
    }
  });
  return {
    get connected() {
      return connected;
    },
    async publish(message) {
      await redis.publish(CHANNEL, JSON.stringify(message));
    },
    subscribe(listener) {
      emitter.on('message', listener);
      return () => emitter.off('message', listener);
    },
    async close() {
      emitter.removeAllListeners();
      subscriber.disconnect();
    },
  };
}
