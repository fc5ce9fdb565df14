import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs } from './backoff.ts';
import { retryAfterMsFrom } from './retry-after.ts';

describe('retryAfterMsFrom', () => {
  it('reads Retry-After in seconds, in any header case', () => {
    assert.equal(retryAfterMsFrom({ status: 429, headers: { 'Retry-After': '7' } }), 7000);
    assert.equal(retryAfterMsFrom({ status: 503, headers: { 'retry-after': ['2.5'] } }), 2500);
  });

  it('reads Retry-After as an HTTP date', () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const ms = retryAfterMsFrom({ status: 429, headers: { 'retry-after': at } });
    assert.ok(ms !== undefined && ms > 28_000 && ms <= 30_000, String(ms));
  });

  it("reads Blotato's wait from the message text when there is no header", () => {
    const bodyText = JSON.stringify({ statusCode: 429, message: 'Rate limit exceeded, retry in 49 seconds' });
    assert.equal(retryAfterMsFrom({ status: 429, headers: {}, bodyText }), 49_000);
    assert.equal(retryAfterMsFrom({ status: 429, headers: {}, bodyText: 'retry in 1 second' }), 1000);
  });

  it('prefers the header and says nothing when neither is there', () => {
    assert.equal(
      retryAfterMsFrom({ status: 429, headers: { 'retry-after': '3' }, bodyText: 'retry in 40 seconds' }),
      3000,
    );
    assert.equal(retryAfterMsFrom({ status: 429, headers: {}, bodyText: '{"message":"slow down"}' }), undefined);
    assert.equal(retryAfterMsFrom({ status: 429, headers: { 'retry-after': 'soon' } }), undefined);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    for (let i = 0; i < 200; i++) {
      assert.ok(backoffDelayMs(0, 100, 5000) <= 100);
      assert.ok(backoffDelayMs(3, 100, 5000) <= 800);
      assert.ok(backoffDelayMs(20, 100, 5000) <= 5000);
      assert.ok(backoffDelayMs(2) >= 0);
    }
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelayMs(6, 100, 5000)));
    assert.ok(draws.size > 10, 'delays are spread, not identical');
  });
});
