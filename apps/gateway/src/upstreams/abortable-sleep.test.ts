import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { abortableSleep } from './abortable-sleep.ts';

describe('abortableSleep', () => {
  it('leaves no listener on the signal once the sleep has run its course', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 20; i++) await abortableSleep(1, controller.signal);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  it('ends at once when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    assert.ok(performance.now() - started < 1000);
  });
});
