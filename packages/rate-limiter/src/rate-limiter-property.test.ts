import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import fc from 'fast-check';
import { createMemoryRateLimiter } from './memory-rate-limiter.ts';
import type { LimitLayer, RateDecision, RateLimiter } from './rate-limiter.ts';
import { createRedisRateLimiter } from './redis-rate-limiter.ts';
import { deleteKeys } from './test-keys.ts';

/**
 * Both limiters against a small reference model, over random request sequences with costs and clock steps.
 *
 * The model is written in the other classic form of GCRA, the continuous-state leaky bucket (ITU-T I.371):
 * a level in µs that drains one per µs and fills by cost × interval; a request passes when the level after
 * it stays within burst × interval. It shares no code with the limiters; it shares only the documented
 * rounding rule (interval = ceil(window / limit) in whole µs).
 *
 * Redis reads time with `TIME`, which a test cannot move. The Redis limiter therefore offers one test seam,
 * an injected clock (`now`) passed into the script in place of `TIME`; everything else (the script, key
 * layout, expiry, atomicity) is what production runs. The contract suite and `redis-rate-limiter.test.ts`
 * cover the `TIME` path itself.
 */

interface ModelLayer {
  id: string;
  limit: number;
  windowS: number;
  burst: number;
  cost: number;
}

/** Returns the decision and, when refused, the exact wait in µs (the test uses it to probe boundaries). */
function referenceModel() {
  const buckets = new Map<string, { level: number; at: number }>();
  return (nowUs: number, subject: string, layers: ModelLayer[]): { decision: RateDecision; waitUs: number } => {
    const views = layers.map((layer) => {
      const intervalUs = Math.ceil((layer.windowS * 1e6) / layer.limit);
      const bucket = buckets.get(`${subject}/${layer.id}`) ?? { level: 0, at: nowUs };
      const level = Math.max(0, bucket.level - (nowUs - bucket.at));
      const overflow = level + layer.cost * intervalUs - layer.burst * intervalUs;
      return { layer, intervalUs, level, overflow };
    });
    const allowed = views.every((v) => v.overflow <= 0);
    if (allowed) {
      for (const v of views) {
        v.level += v.layer.cost * v.intervalUs;
        buckets.set(`${subject}/${v.layer.id}`, { level: v.level, at: nowUs });
      }
    }
    const states = views.map((v) => ({
      id: v.layer.id,
      limit: v.layer.limit,
      windowS: v.layer.windowS,
      remaining: Math.min(
        v.layer.burst,
        Math.max(0, Math.floor((v.layer.burst * v.intervalUs - v.level) / v.intervalUs)),
      ),
      resetS: Math.ceil(v.level / 1e6),
    }));
    if (allowed) return { decision: { allowed: true, retryAfterS: 0, layers: states }, waitUs: 0 };
    let worst = 0;
    views.forEach((v, i) => {
      if (v.overflow > views[worst]!.overflow) worst = i;
    });
    const waitUs = views[worst]!.overflow;
    const hopeless = views.findIndex((v) => v.layer.cost > v.layer.burst);
    if (hopeless !== -1) {
      const decision: RateDecision = {
        allowed: false,
        retryAfterS: views[hopeless]!.layer.windowS,
        layers: states,
        refusedBy: states[hopeless],
        reason: 'cost-exceeds-burst',
      };
      return { decision, waitUs: 0 };
    }
    const decision: RateDecision = {
      allowed: false,
      retryAfterS: Math.max(1, Math.ceil(waitUs / 1e6)),
      layers: states,
      refusedBy: states[worst],
      reason: 'limit',
    };
    return { decision, waitUs };
  };
}

const policyArb = fc.record({
  limit: fc.integer({ min: 1, max: 20 }),
  windowS: fc.integer({ min: 1, max: 120 }),
  burst: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
});

const stepArb = fc.oneof(
  fc.record({ advanceMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 150_000 })) }),
  // Retry the last request at its exact moment of admission, give or take a millisecond: the off-by-one zone.
  { arbitrary: fc.record({ retryNudgeMs: fc.integer({ min: -1, max: 1 }) }), weight: 2 },
  fc.record({
    subject: fc.constantFrom('key_a', 'key_b'),
    picks: fc.uniqueArray(fc.record({ index: fc.integer({ min: 0, max: 2 }), cost: fc.integer({ min: 1, max: 6 }) }), {
      selector: (p) => p.index,
      maxLength: 3,
    }),
  }),
);

const scenarioArb = fc.record({
  policies: fc.tuple(policyArb, policyArb, policyArb),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 40 }),
});

async function checkAgainstModel(
  makeLimiter: (now: () => number) => Promise<{ limiter: RateLimiter; cleanup?: () => Promise<void> }>,
  numRuns: number,
) {
  await fc.assert(
    fc.asyncProperty(scenarioArb, async ({ policies, steps }) => {
      let nowMs = Date.UTC(2026, 0, 1, 0, 10);
      const startUs = nowMs * 1000;
      const { limiter, cleanup } = await makeLimiter(() => nowMs);
      const model = referenceModel();
      const admitted = new Map<string, number>();
      let lastWaitUs = 0;
      let last: { subject: string; picks: { index: number; cost: number }[] } | undefined;
      try {
        for (const next of steps) {
          if ('advanceMs' in next) {
            nowMs += next.advanceMs;
            continue;
          }
          const step = 'retryNudgeMs' in next ? last : next;
          if (step === undefined) continue;
          if ('retryNudgeMs' in next) nowMs += Math.max(0, Math.ceil(lastWaitUs / 1000) + next.retryNudgeMs);
          last = step;
          const layers: LimitLayer[] = step.picks.map(({ index, cost }) => ({
            id: `L${index}`,
            policy: policies[index]!,
            cost,
          }));
          const modelLayers = step.picks.map(({ index, cost }) => {
            const { limit, windowS, burst } = policies[index]!;
            return { id: `L${index}`, limit, windowS, burst: burst ?? limit, cost };
          });
          const actual = await limiter.consume({ subject: step.subject, layers });
          const expected = model(nowMs * 1000, step.subject, modelLayers);
          assert.deepEqual(actual, expected.decision);
          lastWaitUs = expected.waitUs;
          if (!actual.allowed) continue;
          // GCRA's promise, checked on the model too: from rest, admitted units ≤ burst + elapsed / interval.
          for (const layer of modelLayers) {
            const key = `${step.subject}/${layer.id}`;
            const total = (admitted.get(key) ?? 0) + layer.cost;
            admitted.set(key, total);
            const intervalUs = Math.ceil((layer.windowS * 1e6) / layer.limit);
            assert.ok(total <= layer.burst + (nowMs * 1000 - startUs) / intervalUs, `${key} over its rate`);
          }
        }
      } finally {
        await limiter.close();
        await cleanup?.();
      }
    }),
    { numRuns },
  );
}

describe('rate limiters agree with a reference GCRA model', () => {
  const redis = createRedis(SHARED_REDIS_URL, 'rate-limiter-property-test');
  const prefix = uniquePrefix('rl-property');
  let run = 0;
  after(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('in-memory limiter', async () => {
    await checkAgainstModel(async (now) => ({ limiter: createMemoryRateLimiter({ now }) }), 300);
  });

  it('Redis limiter (Lua script, clock injected through the test seam)', async () => {
    // A fresh key space per run: every sequence starts from rest, as the model does.
    await checkAgainstModel(
      async (now) => ({ limiter: createRedisRateLimiter(redis, { prefix: `${prefix}${++run}:`, now }) }),
      300,
    );
  });
});
