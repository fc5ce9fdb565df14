import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runGatewayFuzz } from './gateway-fuzz.ts';

// A share of the soak's 10,000 generated requests, so `npm test` catches a regression at any of the three doors
// within seconds; `npm run soak` runs the full count.
describe('bad input at /mcp, the admin API and the OAuth endpoints (generated)', () => {
  it('answers every request with its documented status and shape, never a 5xx, and leaves the store as it was', async () => {
    const report = await runGatewayFuzz({ runs: 1_200, seed: Number(process.env['FUZZ_SEED'] ?? 42) });
    assert.deepEqual(report.violations, [], `${report.violationCount} broken answers (seed ${report.seed})`);
    assert.deepEqual(report.storeChanges, []);
    assert.ok(report.storeKeysCompared >= 6, 'two keys, their hashes and the index were compared');
    // The run reached every door and got past authentication often enough to mean something.
    for (const door of ['mcp', 'admin', 'oauth']) assert.ok((report.byDoor[door] ?? 0) > 100, door);
    assert.ok((report.byStatus['200'] ?? 0) > 20, JSON.stringify(report.byStatus));
  });
});
