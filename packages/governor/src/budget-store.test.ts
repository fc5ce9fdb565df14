import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import { type AdmitRequest, type BudgetStore, MemoryBudgetStore } from './budget-store.ts';
import { RedisBudgetStore } from './redis-budget-store.ts';

const request = (callerKey: string, overrides: Partial<AdmitRequest> = {}): AdmitRequest => ({
  callerKey,
  ticketId: randomUUID(),
  localWaitMs: 0,
  slotMs: 2000,
  weight: 1,
  maxWaitMs: 5000,
  sharedPlaces: 100,
  mode: 'admit',
  ...overrides,
});

/** The same story against both implementations: they must not drift apart. */
function contract(label: string, make: () => BudgetStore) {
  describe(`budget store contract: ${label}`, () => {
    const store = make();
    after(() => store.close());

    it('admits while the promised load fits the wait, then hands out tickets one slot apart', async () => {
      const budget = uniquePrefix('b');
      const first = await store.admit(budget, request('a', { localWaitMs: 4000 }));
      assert.deepEqual(first, { admitted: true, ticketed: false, pausedForMs: 0 });
      const late = await store.admit(budget, request('a', { localWaitMs: 8000 }));
      assert.equal(late.admitted, false);
      if (late.admitted) return;
      assert.ok(
        late.retryAfterMs >= 7900 && late.retryAfterMs <= 10_100,
        `on the first slot after the local queue: ${late.retryAfterMs}`,
      );
      const next = await store.admit(budget, request('b', { localWaitMs: 8000 }));
      assert.equal(next.admitted, false);
      if (next.admitted) return;
      assert.ok(Math.abs(next.retryAfterMs - late.retryAfterMs - 2000) <= 50, 'the next caller gets the next slot');
    });

    it('spaces a caller’s further tickets a round apart, so concurrent callers interleave', async () => {
      const budget = uniquePrefix('b');
      const due: Record<string, number[]> = { a: [], b: [] };
      for (const caller of ['a', 'b', 'a', 'a', 'b']) {
        // A local backlog past the wait bound makes every booking start after it, in whole slots.
        const r = await store.admit(budget, request(caller, { mode: 'defer', slotMs: 1000, localWaitMs: 6000 }));
        assert.equal(r.admitted, false);
        if (!r.admitted) due[caller]?.push(r.retryAfterMs);
      }
      const [a1, a2, a3] = due['a'] ?? [];
      const [b1, b2] = due['b'] ?? [];
      assert.ok(a1 !== undefined && a2 !== undefined && a3 !== undefined && b1 !== undefined && b2 !== undefined);
      const slot = (ms: number) => Math.round((ms - a1) / 1000);
      assert.deepEqual([a1, b1, a2, a3, b2].map(slot), [0, 1, 2, 4, 3], 'a round of two callers: a b a b a');
    });

    it('books separate slots for every ticket, weight included', async () => {
      const budget = uniquePrefix('b');
      const heavy = await store.admit(budget, request('a', { mode: 'defer', slotMs: 1000, weight: 3 }));
      const next = await store.admit(budget, request('b', { mode: 'defer', slotMs: 1000 }));
      assert.ok(!heavy.admitted && !next.admitted);
      if (heavy.admitted || next.admitted) return;
      // The heavy call takes the slot under way and the two after it; the next call starts three slots on:
      // 2000–3000 ms away depending on how far into its slot the clock is (2000 exactly when the second call
      // lands on the slot's last millisecond, as it did once in a full run).
      assert.ok(heavy.retryAfterMs <= 5, `heavy: ${heavy.retryAfterMs}`);
      assert.ok(
        next.retryAfterMs >= 2000 && next.retryAfterMs <= 3005,
        `a weight-3 call takes three slots: ${next.retryAfterMs}`,
      );
    });

    it('lets a caller hold only so many places; a call beyond books nothing and is told when its turn comes', async () => {
      const budget = uniquePrefix('b');
      // Two places to share: a caller alone may hold both; with others competing, one each.
      const held = (caller: string, over: Partial<AdmitRequest> = {}) =>
        store.admit(
          budget,
          request(caller, { mode: 'admit', slotMs: 1000, maxWaitMs: 500, localWaitMs: 1000, sharedPlaces: 2, ...over }),
        );
      const a1 = await held('a');
      const a2 = await held('a');
      assert.ok(!a1.admitted && !a2.admitted, 'booked');
      const a3 = await held('a');
      assert.equal(a3.admitted, false);
      const b1 = await held('b');
      assert.equal(b1.admitted, false);
      if (a1.admitted || a2.admitted || a3.admitted || b1.admitted) return;
      assert.ok(
        b1.retryAfterMs <= a3.retryAfterMs + 50,
        `b gets a place no later than a third call of a (${b1.retryAfterMs} ≤ ${a3.retryAfterMs})`,
      );
      assert.ok(
        a3.retryAfterMs > a2.retryAfterMs,
        `told to come back after its last place (${a3.retryAfterMs} > ${a2.retryAfterMs})`,
      );
      const c1 = await held('c', { localWaitMs: 0, maxWaitMs: 60_000 });
      const c2 = await held('c', { localWaitMs: 0, maxWaitMs: 60_000 });
      assert.deepEqual(
        [c1.admitted, c2.admitted],
        [true, false],
        'with three competing, one place each; an admitted call holds one too',
      );
    });

    it('admits a caller returning with a due ticket even when the budget is booked', async () => {
      const budget = uniquePrefix('b');
      const ticket = await store.admit(budget, request('a', { mode: 'defer', slotMs: 100, maxWaitMs: 100 }));
      assert.equal(ticket.admitted, false);
      if (ticket.admitted) return;
      for (let i = 0; i < 5; i++) await store.admit(budget, request(`x${i}`, { mode: 'defer', slotMs: 100 }));
      const fresh = await store.admit(budget, request('z', { slotMs: 100, maxWaitMs: 100, localWaitMs: 50 }));
      assert.equal(fresh.admitted, false, 'a fresh call does not jump the promised slots');
      await new Promise((r) => setTimeout(r, ticket.retryAfterMs));
      const back = await store.admit(budget, request('a', { slotMs: 100, maxWaitMs: 100, localWaitMs: 1000 }));
      assert.deepEqual(back, { admitted: true, ticketed: true, pausedForMs: back.pausedForMs });
    });

    it('pauses a budget, keeps the longer of two pauses, and pushes tickets past the pause', async () => {
      const budget = uniquePrefix('b');
      assert.equal(await store.pausedFor(budget), null);
      const set = await store.pause(budget, 3000, 'upstream 429');
      assert.equal(set.changed, true);
      const shorter = await store.pause(budget, 1000, 'other');
      assert.equal(shorter.changed, false);
      assert.equal(shorter.reason, 'upstream 429');
      const state = await store.pausedFor(budget);
      assert.ok(state !== null && state.pausedForMs > 2500 && state.reason === 'upstream 429');
      const refused = await store.admit(budget, request('a', { maxWaitMs: 1000 }));
      assert.equal(refused.admitted, false);
      if (!refused.admitted) assert.ok(refused.retryAfterMs >= 2500, 'the ticket falls after the pause');
      assert.ok(refused.pausedForMs > 2500);
      const waits = await store.admit(budget, request('b', { maxWaitMs: 20_000 }));
      assert.equal(waits.admitted, true, 'a pause shorter than the wait is waited out');
    });
  });
}

contract('memory', () => new MemoryBudgetStore());
const redis = createRedis(SHARED_REDIS_URL, 'test:governor-store');
after(() => redis.quit());
contract('redis', () => new RedisBudgetStore(redis));
