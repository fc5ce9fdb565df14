import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SwitchboardError } from '@switchboard/errors';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, startRedisServer, type TestRedisServer, uniquePrefix } from '@switchboard/testing';
import type { Redis } from 'ioredis';
import { createMemoryRateLimiter } from './memory-rate-limiter.ts';
import type { ConsumeRequest, RateLimiter } from './rate-limiter.ts';
import { rateLimiterContract } from './rate-limiter-contract.ts';
import { createRedisRateLimiter } from './redis-rate-limiter.ts';
import { createResilientRateLimiter, type RateLimiterStateChange } from './resilient-rate-limiter.ts';
import { deleteKeys } from './test-keys.ts';

const shared = createRedis(SHARED_REDIS_URL, 'rate-limiter-resilient-test');
const contractPrefix = uniquePrefix('rl-resilient-contract');
after(async () => {
  await deleteKeys(shared, contractPrefix);
  await shared.quit();
});

rateLimiterContract('resilient wrapper, memory only', async (now) => ({
  limiter: createResilientRateLimiter({ replicas: 1, now }),
}));

let contractRun = 0;
rateLimiterContract('resilient wrapper over Redis', async (now) => ({
  limiter: createResilientRateLimiter({
    primary: createRedisRateLimiter(shared, { prefix: `${contractPrefix}${++contractRun}:`, now }),
    replicas: 1,
    now,
  }),
}));

/** A primary that can be switched off (fails at once) or made to hang (never answers). */
function switchablePrimary(now: () => number) {
  const inner = createMemoryRateLimiter({ now });
  let mode: 'up' | 'down' | 'hang' = 'up';
  let calls = 0;
  const answer = <T>(call: () => Promise<T>): Promise<T> => {
    calls++;
    if (mode === 'down') return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    if (mode === 'hang') return new Promise<T>(() => {});
    return call();
  };
  const limiter: RateLimiter = {
    consume: (request) => answer(() => inner.consume(request)),
    usage: (subject, options) => answer(() => inner.usage(subject, options)),
    close: () => inner.close(),
  };
  return {
    limiter,
    set(next: typeof mode) {
      mode = next;
    },
    get calls() {
      return calls;
    },
  };
}

const limited = (subject: string, limit: number, extra: { burst?: number; cost?: number } = {}): ConsumeRequest => ({
  subject,
  layers: [
    {
      id: 'key',
      policy: extra.burst === undefined ? { limit, windowS: 60 } : { limit, windowS: 60, burst: extra.burst },
      ...(extra.cost === undefined ? {} : { cost: extra.cost }),
    },
  ],
});

async function admittedOutOf(limiter: RateLimiter, request: ConsumeRequest, attempts: number): Promise<number> {
  let admitted = 0;
  for (let i = 0; i < attempts; i++) if ((await limiter.consume(request)).allowed) admitted++;
  return admitted;
}

describe('resilient rate limiter policy', () => {
  it('runs on memory alone when no shared limiter is configured', async () => {
    const limiter = createResilientRateLimiter({ replicas: 3 });
    assert.equal(limiter.state, 'memory');
    assert.equal(await admittedOutOf(limiter, limited('key_a', 10), 10), 4, 'ceil(10 / 3) per replica');
  });

  it('falls back at limit ÷ replicas, probes at most once per interval, and returns by itself', async () => {
    let nowMs = 1_000_000;
    const now = () => nowMs;
    const primary = switchablePrimary(now);
    const changes: RateLimiterStateChange[] = [];
    const limiter = createResilientRateLimiter({
      primary: primary.limiter,
      replicas: 2,
      now,
      onStateChange: (change) => changes.push(change),
    });
    assert.equal(limiter.state, 'redis');
    primary.set('down');
    assert.equal(await admittedOutOf(limiter, limited('key_a', 4), 20), 2, 'ceil(4 / 2) per replica');
    assert.equal(limiter.state, 'degraded');
    assert.equal(primary.calls, 1, 'after the first failure, requests stop asking Redis');
    assert.deepEqual(
      changes.map((c) => [c.from, c.to]),
      [['redis', 'degraded']],
    );
    assert.match(changes[0]!.reason, /ECONNREFUSED/);
    nowMs += 999;
    await limiter.consume(limited('key_b', 4));
    assert.equal(primary.calls, 1);
    nowMs += 1;
    await limiter.consume(limited('key_b', 4));
    assert.equal(primary.calls, 2, 'one probe after a second');
    await limiter.consume(limited('key_b', 4));
    assert.equal(primary.calls, 2);
    primary.set('up');
    nowMs += 1000;
    const probe = await limiter.consume(limited('key_c', 4));
    assert.equal(limiter.state, 'redis');
    assert.equal(probe.layers[0]?.remaining, 3, 'the probe was answered by the primary at full limits');
    assert.deepEqual(
      changes.map((c) => [c.from, c.to]),
      [
        ['redis', 'degraded'],
        ['degraded', 'redis'],
      ],
    );
    await limiter.consume(limited('key_c', 4));
    assert.equal(primary.calls, 4);
  });

  it('answers within the timeout when the primary hangs', async () => {
    const primary = switchablePrimary(Date.now);
    const limiter = createResilientRateLimiter({ primary: primary.limiter, replicas: 1, timeoutMs: 40 });
    primary.set('hang');
    const started = performance.now();
    const decision = await limiter.consume(limited('key_a', 5));
    const elapsed = performance.now() - started;
    assert.equal(decision.allowed, true);
    assert.equal(limiter.state, 'degraded');
    assert.ok(elapsed >= 35 && elapsed < 1000, `answered after ${elapsed} ms`);
  });

  it('refuses with a short retry when failMode is closed', async () => {
    const primary = switchablePrimary(Date.now);
    const limiter = createResilientRateLimiter({ primary: primary.limiter, replicas: 2, failMode: 'closed' });
    primary.set('down');
    const decision = await limiter.consume(limited('key_a', 5));
    assert.deepEqual(decision, {
      allowed: false,
      retryAfterS: 1,
      layers: [{ id: 'key', limit: 5, windowS: 60, remaining: 0, resetS: 1 }],
      reason: 'unavailable',
    });
    assert.equal(limiter.state, 'degraded');
  });

  it('keeps an expensive tool usable per replica, but never one whose cost exceeds the real burst', async () => {
    const primary = switchablePrimary(Date.now);
    const limiter = createResilientRateLimiter({ primary: primary.limiter, replicas: 4 });
    primary.set('down');
    assert.equal(await admittedOutOf(limiter, limited('key_a', 10, { cost: 5 }), 3), 1);
    const hopeless = await limiter.consume(limited('key_b', 10, { cost: 11 }));
    assert.equal(hopeless.reason, 'cost-exceeds-burst');
  });

  it('throws on an invalid request instead of blaming Redis', async () => {
    const primary = switchablePrimary(Date.now);
    const limiter = createResilientRateLimiter({ primary: primary.limiter, replicas: 1 });
    await assert.rejects(limiter.consume(limited('key_a', 0)), SwitchboardError);
    assert.equal(primary.calls, 0);
    assert.equal(limiter.state, 'redis');
  });

  it('survives a state-change hook that throws', async () => {
    const primary = switchablePrimary(Date.now);
    const limiter = createResilientRateLimiter({
      primary: primary.limiter,
      replicas: 1,
      onStateChange: () => {
        throw new Error('logger exploded');
      },
    });
    primary.set('down');
    assert.equal((await limiter.consume(limited('key_a', 5))).allowed, true);
  });

  it('reports usage from Redis plus what this replica served during an outage', async () => {
    const nowMs = 1_000_000;
    const primary = switchablePrimary(() => nowMs);
    const limiter = createResilientRateLimiter({ primary: primary.limiter, replicas: 2, now: () => nowMs });
    await limiter.consume({ ...limited('key_a', 10), tag: 'gmail_send' });
    primary.set('down');
    await limiter.consume({ ...limited('key_a', 10), tag: 'gmail_send' });
    await assert.rejects(limiter.usage('key_a', { hours: 1 }), (error: unknown) => {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      return true;
    });
    primary.set('up');
    assert.deepEqual(await limiter.usage('key_a', { hours: 1 }), { gmail_send: { calls: 2, refused: 0 } });
  });
});

describe('resilient rate limiter against a real redis-server that dies', () => {
  let server: TestRedisServer;
  let redis: Redis;
  before(async () => {
    server = await startRedisServer();
    redis = createRedis(server.url, 'rate-limiter-resilience-test');
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  const waitFor = async (condition: () => boolean, timeoutMs: number, what: string) => {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };

  it('serves through a kill and a restart mid-load: bounded latency, per-replica limits, back to Redis', async (t) => {
    const changes: RateLimiterStateChange[] = [];
    const timeoutMs = 250;
    const limiter = createResilientRateLimiter({
      primary: createRedisRateLimiter(redis, { prefix: uniquePrefix('rl-resilience') }),
      replicas: 2,
      timeoutMs,
      probeIntervalMs: 200,
      onStateChange: (change) => changes.push(change),
    });
    let running = true;
    let failures = 0;
    let slowest = 0;
    let served = 0;
    const worker = async () => {
      while (running) {
        const started = performance.now();
        try {
          await limiter.consume({
            subject: 'key_load',
            layers: [{ id: 'key', policy: { limit: 1_000_000, windowS: 1 } }],
            tag: 'load',
          });
          served++;
        } catch {
          failures++;
        }
        slowest = Math.max(slowest, performance.now() - started);
        await sleep(5);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    try {
      await sleep(150);
      assert.equal(limiter.state, 'redis');
      await server.kill();
      await waitFor(() => limiter.state === 'degraded', 3000, 'the degraded state');
      assert.equal(await admittedOutOf(limiter, limited('key_outage', 10), 10), 5, 'limit ÷ 2 replicas');
      await sleep(500);
      assert.equal(limiter.state, 'degraded', 'probes against a dead Redis keep failing');
      await server.start();
      await waitFor(() => limiter.state === 'redis', 8000, 'the return to Redis');
      assert.equal(await admittedOutOf(limiter, limited('key_after', 10), 12), 10, 'shared limits again');
    } finally {
      running = false;
      await Promise.all(workers);
    }
    t.diagnostic(`served ${served} requests, slowest ${Math.round(slowest)} ms`);
    assert.equal(failures, 0, 'no request failed');
    assert.ok(served > 20, `served ${served} requests`);
    assert.ok(slowest < timeoutMs + 750, `slowest request took ${Math.round(slowest)} ms`);
    assert.deepEqual(
      changes.map((c) => [c.from, c.to]),
      [
        ['redis', 'degraded'],
        ['degraded', 'redis'],
      ],
    );
  });

  it('treats a Redis that is too slow like a Redis that is down', async () => {
    const limiter = createResilientRateLimiter({
      primary: createRedisRateLimiter(redis, { prefix: uniquePrefix('rl-slow') }),
      replicas: 1,
      timeoutMs: 100,
      probeIntervalMs: 200,
    });
    assert.equal((await limiter.consume(limited('key_slow', 10))).allowed, true);
    const pauser = createRedis(server.url, 'rate-limiter-pauser');
    try {
      await pauser.client('PAUSE', 1000, 'ALL');
      const started = performance.now();
      const decision = await limiter.consume(limited('key_slow', 10));
      const elapsed = performance.now() - started;
      assert.equal(decision.allowed, true);
      assert.equal(limiter.state, 'degraded');
      assert.ok(elapsed < 800, `answered after ${Math.round(elapsed)} ms while Redis was paused`);
      await waitFor(
        () => {
          void limiter.consume(limited('key_slow_probe', 1000));
          return limiter.state === 'redis';
        },
        5000,
        'the return to Redis after the pause',
      );
    } finally {
      pauser.disconnect();
    }
  });

  it('refuses while Redis is down when failMode is closed, then serves again', async () => {
    const limiter = createResilientRateLimiter({
      primary: createRedisRateLimiter(redis, { prefix: uniquePrefix('rl-closed') }),
      replicas: 2,
      failMode: 'closed',
      probeIntervalMs: 200,
    });
    await server.kill();
    const started = performance.now();
    const refused = await limiter.consume(limited('key_closed', 10));
    assert.ok(performance.now() - started < 1000);
    assert.equal(refused.allowed, false);
    assert.equal(refused.reason, 'unavailable');
    assert.equal(refused.retryAfterS, 1);
    await server.start();
    await waitFor(
      () => {
        void limiter.consume(limited('key_closed_probe', 1000));
        return limiter.state === 'redis';
      },
      8000,
      'the return to Redis',
    );
    assert.equal((await limiter.consume(limited('key_closed', 10))).allowed, true);
  });
});
