import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { planBudget } from './budget-plan.ts';

/** Most units any span of `intervalMs` can see, wherever it starts, given fixed sub-windows. */
function worstSpan(plan: ReturnType<typeof planBudget>, intervalMs: number): number {
  return (Math.ceil(intervalMs / plan.refreshIntervalMs) + 1) * plan.reservoir;
}

describe('planBudget', () => {
  it('keeps every span of the interval within the limit, wherever the upstream window starts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5000 }), fc.integer({ min: 100, max: 3_600_000 }), (limit, intervalMs) => {
        const plan = planBudget({ limit, intervalMs });
        assert.ok(worstSpan(plan, intervalMs) <= limit, JSON.stringify({ limit, intervalMs, plan }));
        assert.ok(plan.perInterval <= limit);
        assert.ok(plan.reservoir >= 1);
      }),
    );
  });

  it('grants most of a Blotato-sized budget, smoothly', () => {
    const plan = planBudget({ limit: 27, intervalMs: 60_000 });
    assert.equal(plan.perInterval, 26);
    assert.equal(plan.reservoir, 1);
    assert.ok(Math.abs(plan.slotMs - 60_000 / 26) < 1);
    assert.ok(worstSpan(plan, 60_000) <= 27);
  });

  it('spaces a budget of one unit per interval a whole interval apart', () => {
    const plan = planBudget({ limit: 1, intervalMs: 5000 });
    assert.deepEqual(plan, { reservoir: 1, refreshIntervalMs: 5000, perInterval: 1, slotMs: 5000, minTimeMs: 5000 });
  });

  it('rejects budgets that cannot be enforced', () => {
    assert.throws(() => planBudget({ limit: 0, intervalMs: 1000 }), /limit/);
    assert.throws(() => planBudget({ limit: 5, intervalMs: 0 }), /intervalMs/);
  });
});
