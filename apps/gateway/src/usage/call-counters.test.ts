import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RedisTestFixture, redisTestFixture } from '../keys/test-fixtures.ts';
import { type CallCounters, createCallCounters } from './call-counters.ts';

const T0 = Date.UTC(2026, 10, 24, 10, 30, 15);

function contract(
  name: string,
  make: (now: () => number) => Promise<{ counters: CallCounters; close(): Promise<void> }>,
) {
  describe(`call counters (${name})`, () => {
    let now = T0;
    let subject: { counters: CallCounters; close(): Promise<void> };
    before(async () => {
      subject = await make(() => now);
    });
    after(() => subject.close());

    test('counts per key and per upstream, in minute buckets over the hour and hour buckets over the day', async () => {
      const c = subject.counters;
      c.record('key_a', 'gmail', 'ok');
      c.record('key_a', 'gmail', 'ok');
      c.record('key_a', 'drive', 'error');
      c.record('key_b', 'gmail', 'rate_limited');
      now = T0 + 120_000; // two minutes later, same hour
      c.record('key_a', 'gmail', 'ok');
      await new Promise((resolve) => setTimeout(resolve, 50));

      const hour = await c.series('hour');
      assert.equal(hour.bucket_s, 60);
      assert.equal(hour.keys['key_a']?.ok.length, 60);
      assert.equal(hour.start_s, (Math.floor(now / 60_000) - 59) * 60);
      assert.deepEqual(hour.keys['key_a']?.ok.slice(-3), [2, 0, 1]);
      assert.deepEqual(hour.keys['key_a']?.error.slice(-3), [1, 0, 0]);
      assert.deepEqual(hour.keys['key_b']?.rate_limited.slice(-3), [1, 0, 0]);
      assert.deepEqual(hour.upstreams['gmail']?.ok.slice(-3), [2, 0, 1]);
      assert.deepEqual(hour.upstreams['gmail']?.rate_limited.slice(-3), [1, 0, 0]);
      assert.deepEqual(hour.upstreams['drive']?.error.slice(-3), [1, 0, 0]);

      const day = await c.series('day');
      assert.equal(day.bucket_s, 3600);
      assert.equal(day.upstreams['gmail']?.ok.length, 24);
      assert.equal(day.upstreams['gmail']?.ok.at(-1), 3);

      now = T0 + 2 * 3600_000; // past the hour window: the minute buckets are gone, the hour ones remain
      const later = await c.series('hour');
      assert.equal(later.keys['key_a'], undefined);
      assert.equal((await c.series('day')).upstreams['gmail']?.ok.at(-3), 3);
    });
  });
}

contract('memory', async (now) => ({ counters: createCallCounters({ now }), close: async () => {} }));

let fixture: RedisTestFixture;
contract('redis', async (now) => {
  fixture = await redisTestFixture('call-counters');
  return {
    counters: createCallCounters({ redis: fixture.redis, prefix: fixture.prefix, now }),
    async close() {
      const keys = await fixture.keys();
      assert.ok(keys.length > 0 && keys.every((k) => k.includes('{usage}')), 'buckets carry the hash tag');
      for (const key of keys) assert.ok((await fixture.redis.ttl(key)) > 0, `${key} expires`);
      await fixture.close();
    },
  };
});
