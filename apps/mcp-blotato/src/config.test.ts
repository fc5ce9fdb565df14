import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@switchboard/config';
import { loadBlotatoConfig } from './config.ts';

const SECRET = 's'.repeat(40);

describe('Blotato config', () => {
  it('has the documented defaults and budgets a margin under Blotato’s limits', () => {
    const c = loadBlotatoConfig({ CALLER_ASSERTION_SECRET: SECRET });
    assert.equal(c.port, 8101);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.baseUrl, 'https://backend.blotato.com');
    assert.equal(c.apiKey, undefined);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.maxWaitMs, 10_000);
    assert.deepEqual(c.budgets.post_create, { limit: 27, intervalMs: 60_000 });
    assert.deepEqual(c.budgets.post_status, { limit: 54, intervalMs: 60_000 });
    assert.deepEqual(c.budgets.media_upload, { limit: 108, intervalMs: 60_000 });
  });

  it('takes budget overrides, per minute or in full, and several assertion secrets', () => {
    const c = loadBlotatoConfig({
      CALLER_ASSERTION_SECRET: `${SECRET},${'t'.repeat(40)}`,
      BLOTATO_BUDGETS: '{"post_create": 10, "visual_create": {"limit": 4, "intervalMs": 10000, "maxConcurrent": 2}}',
      BLOTATO_BUDGET_MARGIN: '0.5',
      BLOTATO_API_KEY: 'key==',
      BLOTATO_BASE_URL: 'http://127.0.0.1:9/',
    });
    assert.equal(c.assertionSecrets.length, 2);
    assert.deepEqual(c.budgets.post_create, { limit: 10, intervalMs: 60_000 });
    assert.deepEqual(c.budgets.visual_create, { limit: 4, intervalMs: 10_000, maxConcurrent: 2 });
    assert.deepEqual(c.budgets.post_status, { limit: 30, intervalMs: 60_000 });
    assert.equal(c.apiKey, 'key==', 'the key is kept whole, = padding included');
    assert.equal(c.baseUrl, 'http://127.0.0.1:9');
  });

  it('names every bad variable', () => {
    assert.throws(
      () => loadBlotatoConfig({ BLOTATO_BUDGETS: '{"nope": 3}', BLOTATO_PORT: 'x' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /CALLER_ASSERTION_SECRET/.test(e.message) &&
        /BLOTATO_BUDGETS/.test(e.message) &&
        /BLOTATO_PORT/.test(e.message),
    );
  });
});
