import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, startRedisServer, uniquePrefix } from '@switchboard/testing';
import { createGovernor, type Governor, type GovernorEvent, type GovernorOptions } from './governor.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rateLimited(error: unknown): SwitchboardError {
  assert.ok(error instanceof SwitchboardError, `expected a SwitchboardError, got ${String(error)}`);
  assert.equal(error.code, 'RATE_LIMITED');
  return error;
}

/** Largest number of starts inside any window of `windowMs` (sliding). */
function maxInWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('governor (in-memory)', () => {
  const governors: Governor[] = [];
  const make = (options: Partial<GovernorOptions> & Pick<GovernorOptions, 'budgets'>) => {
    const g = createGovernor({ upstream: 'test', ...options });
    governors.push(g);
    return g;
  };
  after(() => Promise.all(governors.map((g) => g.close())));

  it('runs calls inside the budget and returns their values', async () => {
    const g = make({ budgets: { read: { limit: 10, intervalMs: 1000 } } });
    assert.equal(await g.run('read', 'key_a', async () => 42), 42);
    await assert.rejects(
      g.run('read', 'key_a', async () => {
        throw new Error('upstream broke');
      }),
      /upstream broke/,
    );
    await assert.rejects(
      g.run('nope', 'key_a', async () => 1),
      /unknown budget "nope"/,
    );
  });

  it("serves callers round robin: one key's burst does not starve the others", async () => {
    const g = make({ budgets: { post: { limit: 12, intervalMs: 1000 } }, maxWaitMs: 10_000 });
    const order: string[] = [];
    const call = (caller: string, n: number) =>
      g.run('post', caller, async () => {
        order.push(`${caller}${n}`);
      });
    const burst = Array.from({ length: 8 }, (_, i) => call('a', i + 1));
    await sleep(5);
    const others = [call('b', 1), call('b', 2), call('c', 1)];
    await Promise.all([...burst, ...others]);
    const position = (id: string) => order.indexOf(id);
    assert.ok(position('b2') < position('a5'), `b is served between a's calls: ${order.join(' ')}`);
    assert.ok(position('c1') < position('a4'), `c is not stuck behind a's burst: ${order.join(' ')}`);
  });

  it('never starts more than the limit in any window, wherever it starts', async () => {
    const g = make({ budgets: { post: { limit: 6, intervalMs: 1000 } }, maxWaitMs: 10_000 });
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 14 }, (_, i) =>
        g.run('post', `key_${i % 3}`, async () => {
          starts.push(Date.now());
        }),
      ),
    );
    assert.equal(starts.length, 14);
    assert.ok(maxInWindow(starts, 1000) <= 6, `max in a 1 s window: ${maxInWindow(starts, 1000)}`);
  });

  it('bounds the wait: a call that cannot start in time is refused with a retry time and a reason', async () => {
    const events: GovernorEvent[] = [];
    const g = make({
      budgets: { post: { limit: 1, intervalMs: 2000 } },
      maxWaitMs: 300,
      onEvent: (e) => events.push(e),
    });
    await g.run('post', 'key_a', async () => 'first');
    const started = Date.now();
    const second = await g.run('post', 'key_b', async () => 'second').catch((e: unknown) => e);
    const waited = Date.now() - started;
    const error = rateLimited(second);
    assert.ok(waited < 1000, `refused within the bound (waited ${waited} ms)`);
    assert.ok((error.retryAfterS ?? 0) >= 1);
    assert.match(error.message, /retry in \d+ s/);
    assert.match(error.message, /Nothing was sent upstream/);
    assert.equal(error.details?.['budget'], 'post');
    assert.ok(events.some((e) => e.type === 'refused' && e.callerKey === 'key_b'));
    assert.equal(g.snapshot()['post']?.refusals, 1);
  });

  it('honours a pause before the next call, and refuses when the pause outlasts the wait', async () => {
    const g = make({ budgets: { post: { limit: 100, intervalMs: 1000 } }, maxWaitMs: 1500 });
    await g.pause('post', 600, 'Rate limit exceeded, retry in 1 seconds');
    const snapshot = g.snapshot()['post'];
    assert.ok(snapshot?.pausedUntil !== null && snapshot?.upstream429s === 1);
    const started = Date.now();
    await g.run('post', 'key_a', async () => {});
    assert.ok(Date.now() - started >= 550, 'the call waited for the pause to end');

    await g.pause('post', 5000, 'upstream 429');
    const error = rateLimited(await g.run('post', 'key_a', async () => {}).catch((e: unknown) => e));
    assert.ok((error.retryAfterS ?? 0) >= 5);
    assert.match(error.message, /429/);
    assert.equal(error.details?.['reason'], 'paused');
  });

  it('lets a caller cancel a queued call', async () => {
    const g = make({ budgets: { post: { limit: 1, intervalMs: 2000 } }, maxWaitMs: 5000 });
    await g.run('post', 'key_a', async () => {});
    const controller = new AbortController();
    let ran = false;
    const pending = g.run(
      'post',
      'key_a',
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    await sleep(50);
    controller.abort(new Error('client went away'));
    await assert.rejects(pending, /client went away/);
    await sleep(2100);
    assert.equal(ran, false);
  });
});

describe('governor (Redis, two replicas)', () => {
  const redisA = createRedis(SHARED_REDIS_URL, 'test:governor-a');
  const redisB = createRedis(SHARED_REDIS_URL, 'test:governor-b');
  const governors: Governor[] = [];
  after(async () => {
    await Promise.all(governors.map((g) => g.close()));
    await Promise.all([redisA.quit(), redisB.quit()]);
  });
  const pair = (budgets: GovernorOptions['budgets'], maxWaitMs: number) => {
    const upstream = uniquePrefix('gov');
    const a = createGovernor({ upstream, budgets, redis: redisA, maxWaitMs });
    const b = createGovernor({ upstream, budgets, redis: redisB, maxWaitMs });
    governors.push(a, b);
    return [a, b] as const;
  };

  it('shares one budget between replicas', async () => {
    const [a, b] = pair({ post: { limit: 6, intervalMs: 1000 } }, 10_000);
    const starts: number[] = [];
    const call = (g: Governor, caller: string) =>
      g.run('post', caller, async () => {
        starts.push(Date.now());
      });
    const begun = Date.now();
    await Promise.all(Array.from({ length: 16 }, (_, i) => call(i % 2 === 0 ? a : b, `key_${i % 4}`)));
    assert.equal(starts.length, 16);
    assert.ok(maxInWindow(starts, 1000) <= 6, `max in a 1 s window across replicas: ${maxInWindow(starts, 1000)}`);
    assert.ok(Date.now() - begun >= 1500, 'two replicas did not each get a budget of their own');
  });

  it('propagates a pause to the other replica at once', async () => {
    const [a, b] = pair({ post: { limit: 100, intervalMs: 1000 } }, 1000);
    await b.run('post', 'key_b', async () => {});
    await a.pause('post', 3000, 'Rate limit exceeded, retry in 3 seconds');
    await sleep(50);
    assert.notEqual(b.snapshot()['post']?.pausedUntil, null, 'the other replica heard of the pause');
    const error = rateLimited(await b.run('post', 'key_b', async () => {}).catch((e: unknown) => e));
    assert.ok((error.retryAfterS ?? 0) >= 2, `retry after the pause: ${error.retryAfterS}`);
    assert.equal(a.snapshot()['post']?.upstream429s, 1);
    assert.equal(b.snapshot()['post']?.upstream429s, 0);
  });

  it('holds a call already queued on another replica until the pause ends', async () => {
    const [a, b] = pair({ post: { limit: 2, intervalMs: 1000 } }, 5000);
    await b.run('post', 'key_b', async () => {});
    let startedAt = 0;
    const queued = b.run('post', 'key_b', async () => {
      startedAt = Date.now();
    });
    await sleep(20);
    const pausedAt = Date.now();
    await a.pause('post', 2500, 'upstream 429');
    await queued;
    assert.ok(startedAt - pausedAt >= 2400, `started ${startedAt - pausedAt} ms after the pause`);
  });

  it('gives deferred callers a time to come back, and serves them when they do', async () => {
    // Retry hints are whole seconds, so callers due within one second come back together: the wait bound
    // must absorb a second's worth of them.
    const [a, b] = pair({ post: { limit: 4, intervalMs: 1000 } }, 1500);
    const outcomes = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 === 0 ? a : b).run('post', `key_${i}`, async () => 'ok').catch((e: unknown) => rateLimited(e)),
      ),
    );
    const refused = outcomes.filter((o): o is SwitchboardError => o instanceof SwitchboardError);
    assert.ok(refused.length > 0, 'a burst beyond the wait bound is refused');
    const retries = await Promise.all(
      outcomes.map(async (o, i) => {
        if (!(o instanceof SwitchboardError)) return 'ok';
        await sleep((o.retryAfterS ?? 0) * 1000);
        return (i % 2 === 0 ? b : a).run('post', `key_${i}`, async () => 'ok');
      }),
    );
    assert.deepEqual(retries, Array(16).fill('ok'), 'every caller that came back when told was served');
  });
});

describe('governor when Redis goes away', () => {
  it('never runs a call it cannot count, answers within a bounded time, and recovers when Redis is back', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url, 'test:governor-outage');
    const g = createGovernor({
      upstream: 'outage',
      budgets: { post: { limit: 60, intervalMs: 1000 } },
      redis,
      maxWaitMs: 1000,
    });
    try {
      assert.equal(await g.run('post', 'key_a', async () => 'before'), 'before');
      await server.kill();
      let ran = false;
      const started = Date.now();
      const outcome = await g
        .run('post', 'key_a', async () => {
          ran = true;
        })
        .catch((e: unknown) => e);
      assert.ok(outcome instanceof SwitchboardError, `refused: ${String(outcome)}`);
      assert.ok(['STORE_UNAVAILABLE', 'RATE_LIMITED'].includes(outcome.code), outcome.code);
      assert.ok((outcome.retryAfterS ?? 0) > 0);
      assert.equal(ran, false, 'nothing ran uncounted');
      assert.ok(Date.now() - started < 8000, `answered in ${Date.now() - started} ms`);
      await server.start();
      let recovered: unknown;
      for (let i = 0; i < 40 && recovered !== 'after'; i++) {
        recovered = await g.run('post', 'key_a', async () => 'after').catch((e: unknown) => e);
        if (recovered !== 'after') await sleep(250);
      }
      assert.equal(recovered, 'after', 'calls run again once Redis is back');
    } finally {
      await g.close();
      redis.disconnect();
      await server.stop();
    }
  });
});

describe('governor when Redis goes away, with a per-replica fallback', () => {
  const until = async (condition: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !condition(); i++) await sleep(50);
    assert.ok(condition(), what);
  };

  it('runs on this replica’s share of the budget while Redis is down, then shares the budget again', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url, 'test:governor-fallback');
    const g = createGovernor({
      upstream: uniquePrefix('fallback'),
      budgets: { read: { limit: 6, intervalMs: 1000 } },
      redis,
      maxWaitMs: 5000,
      // Two replicas: each may use 6 ÷ 2 = 3 calls a second on its own.
      fallback: { replicas: 2 },
    });
    try {
      assert.equal(await g.run('read', 'key_a', async () => 'before'), 'before');
      assert.equal(g.snapshot()['read']?.fallback, false);

      await server.kill();
      await until(() => g.snapshot()['read']?.fallback === true, 'the governor noticed Redis is gone');
      const starts: number[] = [];
      const begun = Date.now();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          g.run('read', `key_${i % 2}`, async () => {
            starts.push(Date.now());
            return i;
          }),
        ),
      );
      assert.deepEqual(results, [0, 1, 2, 3, 4, 5], 'every call ran, none refused for want of Redis');
      assert.ok(maxInWindow(starts, 1000) <= 3, `at most this replica's share: ${maxInWindow(starts, 1000)} in 1 s`);
      assert.ok(Date.now() - begun >= 1000, 'six calls at a share of three a second take over a second');

      await server.start();
      await until(() => g.snapshot()['read']?.fallback === false, 'back on the shared budget once Redis returns');
      assert.equal(await g.run('read', 'key_a', async () => 'after'), 'after');
    } finally {
      await g.close();
      redis.disconnect();
      await server.stop();
    }
  });

  it('on its fallback share, honours an upstream 429 and refuses past the wait, naming the replica’s share', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url, 'test:governor-fallback-refusals');
    const g = createGovernor({
      upstream: uniquePrefix('fallback-refusals'),
      budgets: { write: { limit: 6, intervalMs: 1000 } },
      redis,
      maxWaitMs: 1500,
      fallback: { replicas: 2 },
    });
    try {
      await server.kill();
      await until(() => g.snapshot()['write']?.fallback === true, 'the governor noticed Redis is gone');

      // A 429 while calls wait in this replica's own limiter: the pause cannot be shared while Redis is down,
      // yet none of them may start before it ends.
      const starts: number[] = [];
      let pausedAt = 0;
      const burst = Array.from({ length: 5 }, (_, i) =>
        g.run('write', `key_${i % 2}`, async () => {
          starts.push(Date.now());
          if (pausedAt === 0) {
            pausedAt = Date.now();
            await g.pause('write', 2000, 'Rate limit exceeded, retry in 2 seconds');
          }
        }),
      );
      // The wait bound (1.5 s) is shorter than the pause: whatever had not started is refused, not run early.
      await Promise.allSettled(burst);
      const early = starts.filter((at) => at > pausedAt && at - pausedAt < 1950);
      assert.deepEqual(early, [], `no call starts inside the pause (${starts.map((at) => at - pausedAt)} ms)`);
      await sleep(2000);

      // Half the budget and a 1.5 s bound on the wait: a burst of 12 cannot all start in time.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => g.run('write', `key_${i % 3}`, async () => i)),
      );
      const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [rateLimited(o.reason)] : []));
      assert.ok(refusals.length > 0 && refusals.length < 12, `${refusals.length} of 12 refused`);
      for (const refusal of refusals) {
        assert.match(refusal.message, /\(\d+ per second on this replica while the shared store is unreachable\)/);
        assert.ok((refusal.retryAfterS ?? 0) >= 1, 'each refusal says when to retry');
      }
    } finally {
      await g.close();
      redis.disconnect();
      await server.stop();
    }
  });

  it('starts while Redis is down, then joins the shared budget and hears other replicas’ pauses', async () => {
    const server = await startRedisServer();
    const upstream = uniquePrefix('late-redis');
    const budgets = { post: { limit: 100, intervalMs: 1000 } };
    const redisA = createRedis(server.url, 'test:governor-late-a');
    const a = createGovernor({ upstream, budgets, redis: redisA, maxWaitMs: 1000, fallback: { replicas: 2 } });
    // Gone before the governor's connections are ready: its first SUBSCRIBE cannot succeed.
    await server.kill();
    let redisB: ReturnType<typeof createRedis> | undefined;
    let b: Governor | undefined;
    try {
      await until(() => a.snapshot()['post']?.fallback === true, 'on its fallback share from the start');
      assert.equal(await a.run('post', 'key_a', async () => 'served'), 'served');

      await server.start();
      await until(() => a.snapshot()['post']?.fallback === false, 'on the shared budget once Redis arrives');
      redisB = createRedis(server.url, 'test:governor-late-b');
      b = createGovernor({ upstream, budgets, redis: redisB, maxWaitMs: 1000 });
      await b.run('post', 'key_b', async () => {});
      await b.pause('post', 3000, 'Rate limit exceeded, retry in 3 seconds');
      // The pause is kept in Redis and read before every start, so it holds on the late starter even if its
      // subscriber is still reconnecting when the announcement goes out (waiting for that made this flaky).
      let ran = false;
      await assert.rejects(
        a.run('post', 'key_a', async () => {
          ran = true;
        }),
        (error) => rateLimited(error).retryAfterS !== undefined,
      );
      assert.equal(ran, false, 'nothing starts on the late starter while the other replica’s pause holds');
      await until(() => a.snapshot()['post']?.pausedUntil != null, 'the late starter knows the pause');
    } finally {
      await b?.close();
      await a.close();
      redisB?.disconnect();
      redisA.disconnect();
      await server.stop();
    }
  });

  it('closes while Redis is down without an unhandled rejection (bottleneck drops its unsubscribe)', async () => {
    const server = await startRedisServer();
    const redis = createRedis(server.url, 'test:governor-close-outage');
    const g = createGovernor({
      upstream: uniquePrefix('close'),
      budgets: { read: { limit: 6, intervalMs: 1000 }, write: { limit: 6, intervalMs: 1000 } },
      redis,
      fallback: { replicas: 2 },
    });
    try {
      assert.equal(await g.run('read', 'key_a', async () => 'ok'), 'ok');
      await server.kill();
      await until(() => redis.status !== 'ready', 'the client saw Redis go');
      await g.close();
      // The test runner fails this test if a rejection surfaces unhandled meanwhile.
      await sleep(1500);
    } finally {
      redis.disconnect();
      await server.stop();
    }
  });
});
