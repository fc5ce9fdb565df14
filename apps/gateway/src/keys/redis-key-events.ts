import { closeRedis, keepSubscribed } from '@switchboard/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { KeyEvent, KeyEventListener, KeyEvents } from './key-events.ts';

const messageSchema = z.object({
  keyId: z.string().max(100),
  hashes: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(16),
});

export interface RedisKeyEventsOptions {
  publisher: Redis;
  /** A connection used for nothing else (Redis puts it in subscriber mode), made with `autoResubscribe: false`. */
  subscriber: Redis;
  channel: string;
  /** Close both clients on `close()` (true when this module created them). */
  ownsClients: boolean;
  /** How often the subscriber connection is proven alive with PING; default 500 ms. */
  heartbeatMs?: number;
}

/**
 * Invalidations over Redis pub/sub. Pub/sub is fire-and-forget: a message published while this subscriber
 * is away is lost. So the subscriber counts as live only while it is subscribed and answers PING within one
 * heartbeat (a dead TCP peer is otherwise noticed only much later), and every return to live emits `resync`.
 */
export class RedisKeyEvents implements KeyEvents {
  readonly #options: RedisKeyEventsOptions;
  readonly #listeners = new Set<KeyEventListener>();
  readonly #heartbeat: NodeJS.Timeout;
  #subscribed = false;
  #pingOk = true;
  #live = false;
  #closed = false;

  constructor(options: RedisKeyEventsOptions) {
    this.#options = options;
    const { subscriber, channel } = options;
    const heartbeatMs = options.heartbeatMs ?? 500;
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel) this.#receive(message);
    });
    keepSubscribed(subscriber, channel, (subscribed) => {
      this.#subscribed = subscribed;
      if (subscribed) this.#pingOk = true;
      this.#update();
    });
    const lost = () => {
      this.#subscribed = false;
      this.#update();
    };
    subscriber.on('close', lost);
    subscriber.on('end', lost);
    this.#heartbeat = setInterval(() => void this.#ping(heartbeatMs), heartbeatMs);
    this.#heartbeat.unref();
  }

  async publish(change: { keyId: string; hashes: string[] }): Promise<void> {
    await this.#options.publisher.publish(this.#options.channel, JSON.stringify(change));
  }

  subscribe(listener: KeyEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  isLive(): boolean {
    return this.#live;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#listeners.clear();
    if (!this.#options.ownsClients) {
      await this.#options.subscriber.unsubscribe(this.#options.channel).catch(() => {});
      return;
    }
    await Promise.all([closeRedis(this.#options.subscriber), closeRedis(this.#options.publisher)]);
  }

  async #ping(timeoutMs: number): Promise<void> {
    const { subscriber } = this.#options;
    if (this.#closed) return;
    if (subscriber.status !== 'ready' || !this.#subscribed) {
      this.#pingOk = false;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('PING timed out')), timeoutMs);
      });
      try {
        await Promise.race([subscriber.ping(), timeout]);
        this.#pingOk = true;
      } catch {
        this.#pingOk = false;
      } finally {
        clearTimeout(timer);
      }
    }
    this.#update();
  }

  #update(): void {
    const live = !this.#closed && this.#subscribed && this.#pingOk;
    const recovered = live && !this.#live;
    this.#live = live;
    if (recovered) this.#emit({ type: 'resync' });
  }

  #receive(message: string): void {
    let parsed: z.infer<typeof messageSchema>;
    try {
      parsed = messageSchema.parse(JSON.parse(message));
    } catch {
      return; // Not ours or corrupt: ignoring it is safe, the cache TTL still bounds staleness.
    }
    this.#emit({ type: 'invalidate', keyId: parsed.keyId, hashes: parsed.hashes });
  }

  #emit(event: KeyEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
