import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksOf, renderTable, runSimulation, SMALL_SCALE } from './simulate-blotato.ts';

describe('simulate:blotato, small scale (Blotato limits compressed to seconds)', () => {
  it('keeps every caller within the upstream limits, loses and doubles nothing, tells deferred callers when, and is fair', async () => {
    // Tool servers called directly: the governor's promises, fairness included, in compressed time.
    const report = await runSimulation({ ...SMALL_SCALE, gateways: 0 });
    const failed = checksOf(report).filter((c) => !c.ok);
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errors.join('\n')}`);
    assert.ok(report.deferrals > 0, 'the burst was larger than the budget, so some callers were deferred');
    assert.equal(report.upstreamPosts, SMALL_SCALE.publishes);
  });
});

describe('simulate:blotato, small scale, through three gateway replicas with team API keys', () => {
  it('keeps the upstream limits, loses and doubles nothing, tells every deferred caller when, and is fair', async () => {
    const report = await runSimulation({ ...SMALL_SCALE, gateways: 3 });
    const failed = checksOf(report).filter((c) => !c.ok);
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errors.join('\n')}`);
    assert.equal(report.upstreamPosts, SMALL_SCALE.publishes);
    assert.ok(report.deferrals > 0);
  });
});
