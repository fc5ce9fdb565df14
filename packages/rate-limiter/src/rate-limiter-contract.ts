import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import type { LimitLayer, RateLimiter } from './rate-limiter.ts';

/**
 * The behaviour every RateLimiter must show, run against each implementation (`*.test.ts` call it). The
 * factory receives a fake clock (ms) that the implementation must use for both limits and usage buckets.
 */
export type LimiterFactory = (now: () => number) => Promise<{ limiter: RateLimiter; cleanup?: () => Promise<void> }>;

/** 2026-01-01T00:10:00Z: ten minutes into an hour, so short tests never cross an hour bucket. */
const START_MS = Date.UTC(2026, 0, 1, 0, 10);

const layer = (id: string, limit: number, windowS: number, extra: { burst?: number; cost?: number } = {}) =>
  ({
    id,
    policy: extra.burst === undefined ? { limit, windowS } : { limit, windowS, burst: extra.burst },
    ...(extra.cost === undefined ? {} : { cost: extra.cost }),
  }) satisfies LimitLayer;

export function rateLimiterContract(name: string, factory: LimiterFactory): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    async function setup() {
      let nowMs = START_MS;
      const { limiter, cleanup } = await factory(() => nowMs);
      cleanups.push(async () => {
        await limiter.close();
        await cleanup?.();
      });
      return {
        limiter,
        advance(ms: number) {
          nowMs += ms;
        },
      };
    }

    it('admits up to the burst, then refuses with the wait until one unit is back', async () => {
      const { limiter, advance } = await setup();
      const request = { subject: 'key_a', layers: [layer('key', 3, 60)] };
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await limiter.consume(request));
      assert.deepEqual(
        seen.map((d) => [d.allowed, d.retryAfterS, d.layers[0]?.remaining, d.layers[0]?.resetS]),
        [
          [true, 0, 2, 20],
          [true, 0, 1, 40],
          [true, 0, 0, 60],
        ],
      );
      const refused = await limiter.consume(request);
      assert.deepEqual(refused, {
        allowed: false,
        retryAfterS: 20,
        layers: [{ id: 'key', limit: 3, windowS: 60, remaining: 0, resetS: 60 }],
        refusedBy: { id: 'key', limit: 3, windowS: 60, remaining: 0, resetS: 60 },
        reason: 'limit',
      });
      advance(19_999);
      const almost = await limiter.consume(request);
      assert.equal(almost.allowed, false);
      assert.equal(almost.retryAfterS, 1, 'a wait of 1 ms still rounds up to a whole second');
      advance(1);
      assert.equal((await limiter.consume(request)).allowed, true);
      assert.equal((await limiter.consume(request)).allowed, false);
    });

    it('applies a loosened policy at once: the old, stricter state is clamped to the new burst', async () => {
      const { limiter, advance } = await setup();
      const strict = { subject: 'key_a', layers: [layer('key', 1, 3600)] };
      assert.equal((await limiter.consume(strict)).allowed, true);
      assert.equal((await limiter.consume(strict)).allowed, false);
      const loose = { subject: 'key_a', layers: [layer('key', 60, 60)] };
      const first = await limiter.consume(loose);
      assert.equal(first.allowed, false, 'the new burst counts as just spent');
      assert.equal(first.retryAfterS, 1);
      advance(1000);
      assert.equal((await limiter.consume(loose)).allowed, true, 'one unit of the new rate is back after its interval');
      assert.equal((await limiter.consume(loose)).allowed, false);
    });

    it('lets a burst above the limit through at once, then only the steady rate', async () => {
      const { limiter, advance } = await setup();
      const request = { subject: 'key_a', layers: [layer('key', 1, 10, { burst: 5 })] };
      for (let i = 0; i < 5; i++) assert.equal((await limiter.consume(request)).allowed, true, `burst #${i + 1}`);
      const refused = await limiter.consume(request);
      assert.equal(refused.allowed, false);
      assert.equal(refused.retryAfterS, 10);
      advance(10_000);
      assert.equal((await limiter.consume(request)).allowed, true);
      assert.equal((await limiter.consume(request)).allowed, false);
    });

    it('spends a weighted cost and refuses what no longer fits, while a cheaper request still passes', async () => {
      const { limiter } = await setup();
      const heavy = { subject: 'key_a', layers: [layer('key', 10, 60, { cost: 4 })] };
      const first = await limiter.consume(heavy);
      const second = await limiter.consume(heavy);
      assert.deepEqual([first.layers[0]?.remaining, second.layers[0]?.remaining], [6, 2]);
      const third = await limiter.consume(heavy);
      assert.equal(third.allowed, false);
      assert.equal(third.retryAfterS, 12, 'two units (6 s each) must come back first');
      assert.equal(third.layers[0]?.remaining, 2);
      const light = await limiter.consume({ subject: 'key_a', layers: [layer('key', 10, 60)] });
      assert.equal(light.allowed, true);
      assert.equal(light.layers[0]?.remaining, 1);
    });

    it('consumes from every layer or from none', async () => {
      const { limiter } = await setup();
      const toolA = { subject: 'key_a', layers: [layer('key', 10, 60), layer('tool:a', 2, 60)] };
      await limiter.consume(toolA);
      const second = await limiter.consume(toolA);
      assert.deepEqual(
        second.layers.map((l) => l.remaining),
        [8, 0],
      );
      const refused = await limiter.consume(toolA);
      assert.equal(refused.allowed, false);
      assert.equal(refused.refusedBy?.id, 'tool:a');
      assert.equal(refused.layers[0]?.remaining, 8, 'the key layer was not charged for the refused call');
      const toolB = await limiter.consume({ subject: 'key_a', layers: [layer('key', 10, 60), layer('tool:b', 2, 60)] });
      assert.equal(toolB.allowed, true);
      assert.deepEqual(
        toolB.layers.map((l) => l.remaining),
        [7, 1],
      );
    });

    it('names the layer that needs the longest wait and waits for it', async () => {
      const { limiter, advance } = await setup();
      const request = { subject: 'key_a', layers: [layer('tool:a', 1, 10), layer('key', 1, 60)] };
      assert.equal((await limiter.consume(request)).allowed, true);
      const both = await limiter.consume(request);
      assert.equal(both.refusedBy?.id, 'key');
      assert.equal(both.retryAfterS, 60);
      advance(10_000);
      const keyOnly = await limiter.consume(request);
      assert.equal(keyOnly.refusedBy?.id, 'key');
      assert.equal(keyOnly.retryAfterS, 50);
      assert.equal(keyOnly.layers[0]?.remaining, 1, 'the tool layer has rested');
    });

    it('says so when a cost exceeds a burst, instead of a wait that would never be enough', async () => {
      const { limiter } = await setup();
      const decision = await limiter.consume({
        subject: 'key_a',
        layers: [layer('key', 10, 60), layer('tool:publish', 5, 120, { cost: 6 })],
      });
      assert.equal(decision.allowed, false);
      assert.equal(decision.reason, 'cost-exceeds-burst');
      assert.equal(decision.retryAfterS, 120);
      assert.equal(decision.refusedBy?.id, 'tool:publish');
      const next = await limiter.consume({ subject: 'key_a', layers: [layer('key', 10, 60)] });
      assert.equal(next.layers[0]?.remaining, 9, 'nothing was consumed by the hopeless request');
    });

    it('rounds fractional emission intervals without losing a unit of the burst', async () => {
      const { limiter } = await setup();
      const request = { subject: 'key_a', layers: [layer('key', 7, 60)] };
      for (let i = 0; i < 7; i++) assert.equal((await limiter.consume(request)).allowed, true, `unit #${i + 1}`);
      const refused = await limiter.consume(request);
      assert.equal(refused.allowed, false);
      assert.equal(refused.retryAfterS, 9, '60/7 s rounded up');
    });

    it('rests fully after a window and keeps subjects apart', async () => {
      const { limiter, advance } = await setup();
      const a = { subject: 'key_a', layers: [layer('key', 3, 60)] };
      for (let i = 0; i < 3; i++) await limiter.consume(a);
      const b = await limiter.consume({ subject: 'key_b', layers: [layer('key', 3, 60)] });
      assert.equal(b.layers[0]?.remaining, 2);
      advance(60_000);
      const rested = await limiter.consume(a);
      assert.equal(rested.layers[0]?.remaining, 2);
      assert.equal(rested.layers[0]?.resetS, 20);
    });

    it('admits a request without layers', async () => {
      const { limiter } = await setup();
      assert.deepEqual(await limiter.consume({ subject: 'key_a', layers: [] }), {
        allowed: true,
        retryAfterS: 0,
        layers: [],
      });
    });

    it('admits exactly the burst out of concurrent requests', async () => {
      const { limiter } = await setup();
      const request = { subject: 'key_a', layers: [layer('key', 5, 60)] };
      const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.consume(request)));
      const admitted = decisions.filter((d) => d.allowed);
      assert.equal(admitted.length, 5);
      assert.deepEqual(admitted.map((d) => d.layers[0]?.remaining).sort(), [0, 1, 2, 3, 4]);
    });

    it('counts calls and refusals per tag by hour, for the last hour and the last day', async () => {
      const { limiter, advance } = await setup();
      const send = { subject: 'key_a', layers: [layer('key', 2, 60)], tag: 'gmail_send' };
      await limiter.consume(send);
      await limiter.consume(send);
      await limiter.consume(send);
      await limiter.consume({ subject: 'key_a', layers: [], tag: 'tools/list' });
      await limiter.consume({ subject: 'key_a', layers: [] });
      await limiter.consume({ subject: 'key_b', layers: [], tag: 'gmail_send' });
      const expected = { gmail_send: { calls: 2, refused: 1 }, 'tools/list': { calls: 1, refused: 0 } };
      assert.deepEqual(await limiter.usage('key_a', { hours: 1 }), expected);
      advance(3_600_000);
      assert.deepEqual(await limiter.usage('key_a', { hours: 1 }), {});
      await limiter.consume({ subject: 'key_a', layers: [], tag: 'gmail_send' });
      assert.deepEqual(await limiter.usage('key_a', { hours: 24 }), {
        gmail_send: { calls: 3, refused: 1 },
        'tools/list': { calls: 1, refused: 0 },
      });
      advance(23 * 3_600_000);
      assert.deepEqual(await limiter.usage('key_a', { hours: 24 }), { gmail_send: { calls: 1, refused: 0 } });
      assert.deepEqual(await limiter.usage('key_nobody', { hours: 24 }), {});
    });

    it('rejects invalid requests as the caller’s bug, consuming nothing', async () => {
      const { limiter } = await setup();
      const invalid = [
        { subject: 'key_a', layers: [layer('key', 0, 60)] },
        { subject: 'key_a', layers: [layer('key', 1, 0)] },
        { subject: 'key_a', layers: [layer('key', 1, 60, { cost: 0 })] },
        { subject: 'key_a', layers: [layer('key', 1.5, 60)] },
        { subject: 'key_a', layers: [layer('key', 1, 60), layer('key', 2, 60)] },
        { subject: 'key_{a}', layers: [layer('key', 1, 60)] },
        { subject: '', layers: [layer('key', 1, 60)] },
        { subject: 'key_a', layers: [layer('tool:é', 1, 60)] },
      ];
      for (const request of invalid) {
        await assert.rejects(limiter.consume(request), (error: unknown) => {
          assert.ok(error instanceof SwitchboardError);
          assert.equal(error.code, 'INTERNAL');
          return true;
        });
      }
      await assert.rejects(limiter.usage('key_a', { hours: 0 }), SwitchboardError);
      await assert.rejects(limiter.usage('key_a', { hours: 25 }), SwitchboardError);
      const fresh = await limiter.consume({ subject: 'key_a', layers: [layer('key', 2, 60)] });
      assert.equal(fresh.layers[0]?.remaining, 1);
    });
  });
}
