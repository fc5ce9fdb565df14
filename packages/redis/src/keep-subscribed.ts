import type { Redis } from 'ioredis';

/**
 * Keeps `subscriber` subscribed to `channel` across reconnections, reporting each attempt's outcome.
 *
 * ioredis's own resubscription (`autoResubscribe`) sends SUBSCRIBE on every reconnect with nobody listening for
 * its failure: when the connection closes while that SUBSCRIBE is pending (Redis restarted and slow to answer,
 * then the process shuts down), the rejection is unhandled, which can take a process down. So the client must be
 * created with `autoResubscribe: false`, and every (re)subscription here is a handled promise.
 */
export function keepSubscribed(subscriber: Redis, channel: string, onResult: (subscribed: boolean) => void = () => {}) {
  if (subscriber.options.autoResubscribe !== false) {
    throw new Error('keepSubscribed needs a client created with autoResubscribe: false');
  }
  const subscribe = () =>
    subscriber.subscribe(channel).then(
      () => onResult(true),
      () => onResult(false),
    );
  subscriber.on('ready', () => void subscribe());
  if (subscriber.status === 'ready') void subscribe();
}
