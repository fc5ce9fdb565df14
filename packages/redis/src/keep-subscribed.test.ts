import assert from 'node:assert/strict';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, SHARED_REDIS_URL } from '@switchboard/testing';
import { createRedis } from './create-redis.ts';
import { keepSubscribed } from './keep-subscribed.ts';

/**
 * A TCP proxy in front of the shared Redis that can drop every connection and then swallow SUBSCRIBE, so a
 * resubscription stays pending for as long as the test likes: what a Redis that has just restarted under load
 * looks like to a client that is shutting down.
 */
async function startStallingProxy() {
  const target = new URL(SHARED_REDIS_URL);
  const sockets = new Set<Socket>();
  const state = { stallSubscribe: false, stalled: 0 };
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (data) => {
      if (state.stallSubscribe && /\r\nsubscribe\r\n/i.test(data.toString('latin1'))) state.stalled++;
      else upstream.write(data);
    });
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${address.port}`,
    state,
    dropAll: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('keepSubscribed', () => {
  let proxy: Awaited<ReturnType<typeof startStallingProxy>>;
  before(async () => {
    proxy = await startStallingProxy();
  });
  after(async () => {
    proxy.dropAll();
    await proxy.close();
  });

  it('resubscribes after a reconnect, and a client closed mid-resubscribe leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const subscriber = createRedis(proxy.url, 'test:stall-proxy', { autoResubscribe: false });
    const results: boolean[] = [];
    keepSubscribed(subscriber, 'sb:test:keep-subscribed', (ok) => results.push(ok));
    try {
      await eventually(() => results.length === 1, 5000, 'the first subscription');
      assert.deepEqual(results, [true]);

      proxy.state.stallSubscribe = true;
      proxy.dropAll();
      // Reconnected and ready (the ready check passes the proxy), its SUBSCRIBE swallowed: pending.
      await eventually(() => proxy.state.stalled >= 1, 5000, 'a resubscription reaching the proxy');
      subscriber.disconnect();
      await eventually(() => results.length === 2, 5000, 'the pending resubscription failing');
      assert.deepEqual(results, [true, false]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled, [], 'the pending SUBSCRIBE failed into our handler, not into the process');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      subscriber.disconnect();
    }
  });

  it('refuses a client that would also resubscribe by itself', () => {
    const client = createRedis(proxy.url, 'test:keep-subscribed-auto', { lazyConnect: true });
    assert.throws(() => keepSubscribed(client, 'sb:test:x'), /autoResubscribe: false/);
    client.disconnect();
  });
});
