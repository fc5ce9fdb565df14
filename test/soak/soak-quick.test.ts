import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QUICK, renderTable, runSoak } from './soak.ts';

// `npm run soak -- --quick` as a test: the whole system (Redis, two gateway replicas, the three tool servers
// and an echo upstream as processes) under mixed load for 12 s, and every book the full soak keeps, except
// the faults and the RSS verdict, which need the full run (docs/reliability.md).
describe('soak, quick', { timeout: 150_000 }, () => {
  it('serves the mixed load with no errors, loses and doubles nothing, leaks no secret and no process', async () => {
    const report = await runSoak(QUICK);
    const failed = report.checks.filter((c) => !c.ok);
    assert.deepEqual(failed, [], `\n${renderTable(report)}\n${report.errorSamples.join('\n')}`);
    assert.ok(report.calls.ok > 0 && report.sdk.v1Calls > 0 && report.oauth.refreshes > 0);
    // Every bulk tool was called, Blotato's on workers of their own.
    for (const tool of ['echo_echo', 'gmail_list_labels', 'drive_search_files', 'blotato_list_accounts'])
      assert.ok((report.byTool[tool]?.calls ?? 0) > 0, `no ${tool} calls`);
  });
});
