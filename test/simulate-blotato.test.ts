import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksOf, renderTable, runSimulation, SMALL_SCALE } from './simulate-blotato.ts';

// Fairness is judged over the calls admitted while every caller is backlogged. With 60 posts that window holds
// about six calls per caller, and when the machine is busy the callers' retries come back in a shuffled order
// (their timers fire late by different amounts): six draws per caller then give Jain's index ≈ 0.86 by chance
// alone, under the 0.9 bar, although nobody is starved. Twice the posts double the draws (≈ 0.93 by chance, and
// 0.97–1.0 measured beside a CPU burner), so the check measures the governor rather than the scheduler.
// A busy machine stretches the run (30–40 s measured), hence the longer deadline.
const FAIRNESS_SCALE = { ...SMALL_SCALE, publishes: 2 * SMALL_SCALE.publishes, deadlineMs: 100_000 };

describe('simulate:blotato, small scale (Blotato limits compressed to seconds)', () => {
  it('keeps every caller within the upstream limits, loses and doubles nothing, tells deferred callers when, and is fair', async () => {
    // Tool servers called directly: the governor's promises, fairness included, in compressed time.
    const report = await runSimulation({ ...FAIRNESS_SCALE, gateways: 0 });
    const failed = checksOf(report).filter((c) => !c.ok);
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errors.join('\n')}`);
    assert.ok(report.deferrals > 0, 'the burst was larger than the budget, so some callers were deferred');
    assert.equal(report.upstreamPosts, FAIRNESS_SCALE.publishes);
  });
});

describe('simulate:blotato, small scale, through three gateway replicas with team API keys', () => {
  it('keeps the upstream limits, loses and doubles nothing, tells every deferred caller when, and is fair', async () => {
    const report = await runSimulation({ ...FAIRNESS_SCALE, gateways: 3 });
    const failed = checksOf(report).filter((c) => !c.ok);
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errors.join('\n')}`);
    assert.equal(report.upstreamPosts, FAIRNESS_SCALE.publishes);
    assert.ok(report.deferrals > 0);
  });
});
