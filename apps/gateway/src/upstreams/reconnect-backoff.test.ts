import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReconnectBackoff } from './reconnect-backoff.ts';

const timed = async (wait: () => Promise<void>) => {
  const started = performance.now();
  await wait();
  return performance.now() - started;
};

describe('ReconnectBackoff', () => {
  const signal = new AbortController().signal;

  it('waits longer after each failure, up to its maximum', async () => {
    const backoff = new ReconnectBackoff({ minMs: 20, maxMs: 80 });
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await timed(() => backoff.failed(signal)));
    for (const [i, least] of [19, 39, 79, 79, 79, 79].entries()) assert.ok(waits[i]! >= least, waits.join(', '));
    // Uncapped, the six waits would take 1,260 ms.
    assert.ok(waits.reduce((a, b) => a + b) < 1000, waits.join(', '));
  });

  it('starts from the shortest wait again after a success', async () => {
    const backoff = new ReconnectBackoff({ minMs: 20, maxMs: 5000 });
    for (let i = 0; i < 5; i++) await backoff.failed(signal);
    backoff.succeeded();
    // Without the reset this wait would be 640 ms.
    assert.ok((await timed(() => backoff.failed(signal))) < 300);
  });

  it('retries at once after a steady run, and treats an end that came at once as a failure', async () => {
    const backoff = new ReconnectBackoff({ minMs: 400, steadyMs: 60 });
    backoff.opened();
    assert.ok((await timed(() => backoff.ended(signal))) >= 399, 'an end right after opening waits');
    backoff.opened();
    await new Promise((resolve) => setTimeout(resolve, 70));
    assert.ok((await timed(() => backoff.ended(signal))) < 200, 'an end after a steady run does not');
  });

  it('stops waiting when its owner aborts', async () => {
    const owner = new AbortController();
    const backoff = new ReconnectBackoff({ minMs: 10_000 });
    setTimeout(() => owner.abort(), 20);
    assert.ok((await timed(() => backoff.failed(owner.signal))) < 1000);
  });
});
