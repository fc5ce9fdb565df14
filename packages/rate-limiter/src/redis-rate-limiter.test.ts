import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import { rateLimiterContract } from './rate-limiter-contract.ts';
import { createRedisRateLimiter } from './redis-rate-limiter.ts';
import { deleteKeys, findKeys } from './test-keys.ts';

const redis = createRedis(SHARED_REDIS_URL, 'rate-limiter-test');
after(() => redis.quit());

rateLimiterContract('Redis (clock injected through the test seam)', async (now) => {
  const prefix = uniquePrefix('rl-contract');
  return { limiter: createRedisRateLimiter(redis, { prefix, now }), cleanup: () => deleteKeys(redis, prefix) };
});

describe('Redis rate limiter on Redis time', () => {
  const prefix = uniquePrefix('rl-time');
  before(() => redis.ping());
  after(() => deleteKeys(redis, prefix));

  it('takes time from Redis, so every replica sees one budget whatever its own clock says', async () => {
    const replicaA = createRedisRateLimiter(redis, { prefix });
    const other = createRedis(SHARED_REDIS_URL, 'rate-limiter-test-replica');
    try {
      const replicaB = createRedisRateLimiter(other, { prefix });
      const layers = [{ id: 'key', policy: { limit: 2, windowS: 3600 } }];
      const first = await replicaA.consume({ subject: 'key_t', layers });
      const second = await replicaB.consume({ subject: 'key_t', layers });
      const third = await replicaA.consume({ subject: 'key_t', layers });
      assert.deepEqual([first.allowed, second.allowed, third.allowed], [true, true, false]);
      assert.equal(third.retryAfterS, 1800);
      const [seconds, micros] = await redis.time();
      const redisNowUs = Number(seconds) * 1e6 + Number(micros);
      const tat = Number(await redis.get(`${prefix}{key_t}:gcra:key`));
      const intervalUs = 1800 * 1e6;
      // TAT = time of the first call + 2 intervals, and the first call was a moment ago on Redis' clock.
      assert.ok(Math.abs(tat - 2 * intervalUs - redisNowUs) < 5e6, `TAT ${tat} vs Redis now ${redisNowUs}`);
    } finally {
      other.disconnect();
    }
  });

  it('hash-tags every key by subject and lets every key expire by itself', async () => {
    const limiter = createRedisRateLimiter(redis, { prefix });
    await limiter.consume({
      subject: 'key_x',
      layers: [
        { id: 'key', policy: { limit: 60, windowS: 60 } },
        { id: 'tool:gmail_*', policy: { limit: 10, windowS: 600 }, cost: 3 },
      ],
      tag: 'gmail_send',
    });
    const keys = await findKeys(redis, `${prefix}{key_x}`);
    assert.equal(keys.length, 3);
    for (const key of keys) assert.ok(key.startsWith(`${prefix}{key_x}:`), key);
    const ttl = Object.fromEntries(
      await Promise.all(keys.map(async (k) => [k.slice(prefix.length), await redis.pttl(k)])),
    );
    const usageKey = Object.keys(ttl).find((k) => k.includes(':usage:'))!;
    assert.ok(ttl['{key_x}:gcra:key'] > 0 && ttl['{key_x}:gcra:key'] <= 1000, 'rested after one interval (1 s)');
    assert.ok(ttl['{key_x}:gcra:tool:gmail_*'] > 170_000 && ttl['{key_x}:gcra:tool:gmail_*'] <= 180_000);
    assert.ok(ttl[usageKey] > 25 * 3600_000 - 60_000 && ttl[usageKey] <= 25 * 3600_000);
  });
});
