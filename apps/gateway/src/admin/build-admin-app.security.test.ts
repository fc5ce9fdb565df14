import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withLastCharacterChanged } from '@switchboard/testing';
import { type RedisTestFixture, redisTestFixture } from '../keys/test-fixtures.ts';
import { type AdminHarness, adminHarness } from './admin-test-harness.ts';
import { assertRequiresAdminAuth } from './requires-admin-auth.ts';

const validBodies: Record<string, unknown> = {
  'POST /admin/v1/keys': { name: 'intruder', scopes: ['*', 'admin'] },
  'PATCH /admin/v1/keys/:id': { scopes: ['*', 'admin'] },
  'POST /admin/v1/keys/:id/rotate': { grace_period_s: 0 },
  'POST /admin/v1/upstreams/:name/test-call': { tool: 'files_lookup', arguments: { word: 'x' } },
};

describe('admin API: every route requires admin credentials', () => {
  let h: AdminHarness;
  let target: { id: string };
  before(async () => {
    // With every optional route group (upstreams, test calls, linked accounts), so each one is checked.
    h = await adminHarness({ upstream: true });
    target = await h.createKey({ name: 'target' });
  });
  after(() => h.close());

  test('the only routes answering without credentials are the OpenAPI document', () => {
    assert.deepEqual(
      h.app.adminRoutes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`),
      ['GET /admin/v1/openapi.json'],
    );
    assert.equal(h.app.adminRoutes.filter((r) => !r.public).length, 16);
  });

  // Registered from the app's own route table, so a route added later is covered without editing this file.
  test('each guarded route refuses missing, invalid and non-admin credentials', async (t) => {
    for (const route of h.app.adminRoutes.filter((r) => !r.public)) {
      await t.test(`${route.method} ${route.url}`, async () => {
        await assertRequiresAdminAuth(h, {
          method: route.method,
          url: route.url
            .replace(':id', target.id)
            .replace(':name', 'files')
            .replace(':upstream', 'files')
            .replace(':grant', 'G'.repeat(22)),
          body: validBodies[`${route.method} ${route.url}`],
        });
      });
    }
  });

  test('without credentials, no test call reaches the upstream and no account is unlinked', async () => {
    h.upstream?.accounts.set(target.id, 'target@example.com');
    await h.call('POST', '/admin/v1/upstreams/files/test-call', { token: null, body: { tool: 'files_lookup' } });
    await h.call('DELETE', `/admin/v1/keys/${target.id}/accounts/files`, { token: 'wrong-token-abcdefghijkl' });
    assert.deepEqual(h.upstream?.lookups, []);
    assert.equal(h.upstream?.accounts.get(target.id), 'target@example.com');
  });

  test('admin auth refusals are audited (throttled) without the presented credential', async () => {
    await h.call('GET', '/admin/v1/keys', { token: 'guess-1-abcdefghijklmnop' });
    await h.call('GET', '/admin/v1/keys', { token: 'guess-2-abcdefghijklmnop' });
    await new Promise((resolve) => setImmediate(resolve));
    const entries = (await h.audit.list({ limit: 200 })).items.filter((e) => e.action === 'admin.auth_failed');
    assert.ok(entries.some((e) => e.reason === 'bad_admin_token' && e.outcome === 'denied' && e.ip === '127.0.0.1'));
    assert.equal(JSON.stringify(entries).includes('guess-'), false);
  });
});

describe('admin API on Redis: the plaintext token is never stored or logged', () => {
  let fixture: RedisTestFixture;
  let h: AdminHarness;
  before(async () => {
    fixture = await redisTestFixture('admin-secrets');
    h = await adminHarness({ redis: fixture });
  });
  after(async () => {
    await h.close();
    await fixture.close();
  });

  test('after creating, using, rotating and revoking keys, no token is in Redis or in the logs', async () => {
    const tokens: string[] = [];
    const admin = await h.createKey({ name: 'ops', scopes: ['admin'] });
    const user = await h.createKey({ name: 'user', scopes: ['gmail_*'] });
    tokens.push(admin.token, user.token);

    // Use them: the admin key against the admin API, both through the authenticator, with failures too.
    assert.equal((await h.call('GET', '/admin/v1/keys', { token: admin.token })).statusCode, 200);
    await h.authenticator.authenticate(user.token, '10.0.0.1');
    await assert.rejects(h.authenticator.authenticate(withLastCharacterChanged(user.token), '10.0.0.1'));
    const rotated = (
      await h.call('POST', `/admin/v1/keys/${user.id}/rotate`, { token: admin.token, body: { grace_period_s: 60 } })
    ).json();
    tokens.push(rotated.token);
    await h.authenticator.authenticate(rotated.token, '10.0.0.2');
    await h.call('PATCH', `/admin/v1/keys/${user.id}`, { token: admin.token, body: { name: 'renamed' } });
    await h.call('POST', `/admin/v1/keys/${user.id}/revoke`, { token: admin.token });
    await assert.rejects(h.authenticator.authenticate(rotated.token, '10.0.0.2'));
    await h.authenticator.flushUsage();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const keys = await fixture.keys();
    assert.ok(keys.length >= 5, `expected key records, indexes and the audit stream, found ${keys.length}`);
    const values: string[] = [];
    for (const key of keys) values.push(key, await readAny(fixture, key));
    const stored = values.join('\n');
    for (const token of tokens) {
      assert.equal(stored.includes(token), false, 'a plaintext token is stored in Redis');
      // The secret part alone (without sb_ and the checksum) must not be there either.
      assert.equal(stored.includes(token.slice(3, 36)), false, 'a token secret is stored in Redis');
    }
    assert.ok(stored.includes(user.id), 'the scan did read the records');

    const logs = h.logs.join('');
    assert.ok(logs.includes('"url":"/admin/v1/keys"'), 'requests were logged');
    for (const token of [...tokens, h.adminToken]) assert.equal(logs.includes(token), false, 'a token is in the logs');
    assert.equal(logs.includes(tokens[0]!.slice(3, 36)), false);
  });
});

/** Every value of a Redis key, whatever its type, as text. */
async function readAny(fixture: RedisTestFixture, key: string): Promise<string> {
  const type = await fixture.redis.type(key);
  switch (type) {
    case 'string':
      return (await fixture.redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await fixture.redis.hgetall(key));
    case 'zset':
      return JSON.stringify(await fixture.redis.zrange(key, 0, -1, 'WITHSCORES'));
    case 'set':
      return JSON.stringify(await fixture.redis.smembers(key));
    case 'list':
      return JSON.stringify(await fixture.redis.lrange(key, 0, -1));
    case 'stream':
      return JSON.stringify(await fixture.redis.xrange(key, '-', '+'));
    default:
      return `unreadable type ${type}`;
  }
}
