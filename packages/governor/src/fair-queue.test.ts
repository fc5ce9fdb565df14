import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairQueue } from './fair-queue.ts';

const item = (callerKey: string, n: number) => ({ callerKey, n });

describe('FairQueue', () => {
  it('serves callers round robin, so a burst waits behind its own items', () => {
    const q = new FairQueue<ReturnType<typeof item>>();
    for (let n = 1; n <= 4; n++) q.push(item('a', n));
    q.push(item('b', 1));
    q.push(item('c', 1));
    q.push(item('b', 2));
    const order: string[] = [];
    for (let next = q.shift(); next !== undefined; next = q.shift()) order.push(`${next.callerKey}${next.n}`);
    assert.deepEqual(order, ['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'a4']);
    assert.equal(q.size, 0);
  });

  it('estimates how many items would go before a newcomer', () => {
    const q = new FairQueue<ReturnType<typeof item>>();
    for (let n = 1; n <= 5; n++) q.push(item('a', n));
    q.push(item('b', 1));
    assert.equal(q.aheadOf('c'), 2, 'a newcomer waits for one turn of each waiting caller');
    assert.equal(q.aheadOf('b'), 1 + 2, 'b waits for its own item and two turns of a');
    assert.equal(q.aheadOf('a'), 5 + 1);
  });

  it('puts an interrupted item back first and removes withdrawn ones', () => {
    const q = new FairQueue<ReturnType<typeof item>>();
    const a1 = item('a', 1);
    const b1 = item('b', 1);
    q.push(a1);
    q.push(b1);
    assert.equal(q.shift(), a1);
    q.unshift(a1);
    assert.equal(q.shift(), a1);
    assert.equal(q.remove(b1), true);
    assert.equal(q.remove(b1), false);
    assert.equal(q.size, 0);
    assert.equal(q.shift(), undefined);
  });
});
