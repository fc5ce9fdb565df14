import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checksOf, renderTable, runSimulation, SMALL_SCALE } from './simulate-blotato.ts';

describe('simulate:blotato, small scale (Blotato limits compressed to seconds)', () => {
  it('keeps every caller within the upstream limits, loses and doubles nothing, tells deferred callers when, and is fair', async () => {
    const report = await runSimulation(SMALL_SCALE);
    const failed = checksOf(report).filter((c) => !c.ok);
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errors.join('\n')}`);
    assert.ok(report.deferrals > 0, 'the burst was larger than the budget, so some callers were deferred');
    assert.equal(report.upstreamPosts, SMALL_SCALE.publishes);
  });
});
