import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryRateLimiter } from './memory-rate-limiter.ts';
import { rateLimiterContract } from './rate-limiter-contract.ts';

rateLimiterContract('in-memory', async (now) => ({ limiter: createMemoryRateLimiter({ now }) }));

describe('in-memory rate limiter', () => {
  it('sweeps rested state away without forgetting a layer that is still spent', async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    const limiter = createMemoryRateLimiter({ now: () => nowMs });
    const hourly = [{ id: 'key', policy: { limit: 1, windowS: 3600 } }];
    const perSecond = [{ id: 'key', policy: { limit: 1, windowS: 1 } }];
    await limiter.consume({ subject: 'key_hold', layers: hourly, tag: 'x' });
    // Enough churn to trigger several sweeps, with time moving so the churned subjects rest in between.
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 3000; i++) await limiter.consume({ subject: `key_${round}_${i}`, layers: perSecond });
      nowMs += 2000;
    }
    const held = await limiter.consume({ subject: 'key_hold', layers: hourly, tag: 'x' });
    assert.equal(held.allowed, false);
    assert.equal(held.retryAfterS, 3600 - 8);
    assert.deepEqual(await limiter.usage('key_hold', { hours: 1 }), { x: { calls: 1, refused: 1 } });
    const rested = await limiter.consume({ subject: 'key_0_0', layers: perSecond });
    assert.equal(rested.layers[0]?.remaining, 0);
    assert.equal(rested.allowed, true);
  });
});
