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
  it('keeps the upstream limits, loses and doubles nothing, and tells every deferred caller when', async () => {
    const report = await runSimulation({ ...SMALL_SCALE, gateways: 3 });
    // Fairness is measured at full scale (npm run simulate:blotato, docs/rate-limits.md): with windows
    // compressed to one second, five servers and the callers share one event loop here, and a few
    // milliseconds of scheduling decide which caller's slot comes first.
    const failed = checksOf(report).filter((c) => !c.ok && !c.name.startsWith('fairness'));
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errors.join('\n')}`);
    assert.equal(report.upstreamPosts, SMALL_SCALE.publishes);
    assert.ok(report.deferrals > 0);
  });
});
