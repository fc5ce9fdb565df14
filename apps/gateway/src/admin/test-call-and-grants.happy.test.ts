import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FamilyRecord } from '../oauth/oauth-store.ts';
import { type AdminHarness, adminHarness } from './admin-test-harness.ts';

/** What the console's upstream test call and a key's grants and linked accounts rest on. */
describe('admin API: test calls, OAuth grants and linked accounts (happy paths)', () => {
  let h: AdminHarness;
  before(async () => {
    h = await adminHarness({ upstream: true });
  });
  after(() => h.close());

  const family = (id: string, keyId: string, createdAt: number): FamilyRecord => ({
    id,
    clientId: 'sbc_claude',
    keyId,
    secretFingerprint: 'fp',
    scope: 'mcp',
    resource: 'https://gw.example.com/mcp',
    createdAt,
    expiresAt: Date.now() + 86_400_000,
  });

  test('POST /upstreams/{name}/test-call runs a read-only tool and returns its text; audited without arguments', async () => {
    const response = await h.call('POST', '/admin/v1/upstreams/files/test-call', {
      body: { tool: 'files_lookup', arguments: { word: 'switchboard' } },
    });
    assert.equal(response.statusCode, 200, response.body);
    const result = response.json();
    assert.equal(result.upstream, 'files');
    assert.equal(result.original, 'lookup');
    assert.equal(result.is_error, false);
    assert.equal(result.text, 'switchboard: found');
    assert.equal(result.error_code, null);
    assert.deepEqual(h.upstream?.lookups, [{ word: 'switchboard' }]);
    const [entry] = (await h.audit.list({ limit: 10 })).items.filter((e) => e.action === 'upstream.test_call');
    assert.equal(entry?.outcome, 'success');
    assert.equal(entry?.target, 'files');
    assert.equal(entry?.actor, 'admin-token');
    assert.equal(JSON.stringify(entry).includes('switchboard'), false, 'the audit log holds no arguments');
  });

  test('a tool error comes back as a result with its structured code (CONNECT_REQUIRED)', async () => {
    const response = await h.call('POST', '/admin/v1/upstreams/files/test-call', {
      body: { tool: 'files_needs_account' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const result = response.json();
    assert.equal(result.is_error, true);
    assert.equal(result.error_code, 'CONNECT_REQUIRED');
    assert.equal(result.text, 'Connect your account first.');
  });

  test("GET /keys/{id}/oauth-grants lists the key's live grants only; DELETE revokes one, audited", async () => {
    const key = await h.createKey({ name: 'connector user' });
    const other = await h.createKey({ name: 'someone else' });
    const store = h.oauthStore!;
    await store.saveClient(
      {
        id: 'sbc_claude',
        kind: 'preregistered',
        name: 'Claude (team connector)',
        redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
        authMethod: 'client_secret_post',
        secretHash: 'x',
        createdAt: 1,
        lastUsedAt: 1,
      },
      null,
    );
    await store.createFamily(family('A'.repeat(22), key.id, 2000), 'h1', 60_000);
    await store.createFamily(family('B'.repeat(22), key.id, 1000), 'h2', 60_000);
    await store.createFamily({ ...family('C'.repeat(22), key.id, 3000), expiresAt: 5 }, 'h3', 60_000);
    await store.createFamily(family('D'.repeat(22), other.id, 1000), 'h4', 60_000);

    const listed = await h.call('GET', `/admin/v1/keys/${key.id}/oauth-grants`);
    assert.equal(listed.statusCode, 200, listed.body);
    const items = listed.json().items as Record<string, unknown>[];
    assert.deepEqual(
      items.map((g) => g['id']),
      ['B'.repeat(22), 'A'.repeat(22)],
      'oldest first; an expired grant is not listed',
    );
    assert.equal(items[0]?.['client_name'], 'Claude (team connector)');
    assert.equal(items[0]?.['scope'], 'mcp');
    assert.equal(JSON.stringify(items).includes('h1'), false, 'no token hashes');

    const removed = await h.call('DELETE', `/admin/v1/keys/${key.id}/oauth-grants/${'A'.repeat(22)}`);
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal(await store.getFamily('A'.repeat(22)), null, 'the refresh tokens stop working');
    assert.deepEqual(
      (await h.call('GET', `/admin/v1/keys/${key.id}/oauth-grants`)).json().items.map((g: { id: string }) => g.id),
      ['B'.repeat(22)],
    );
    const [entry] = (await h.audit.list({ limit: 10 })).items.filter((e) => e.action === 'key.oauth_grant.revoke');
    assert.equal(entry?.target, key.id);
    assert.equal(entry?.details?.['grant'], 'A'.repeat(22));
  });

  test('GET /keys/{id}/accounts asks each connect upstream; DELETE unlinks, audited, and the key stays', async () => {
    const key = await h.createKey({ name: 'gmail user' });
    const fresh = await h.call('GET', `/admin/v1/keys/${key.id}/accounts`);
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.deepEqual(fresh.json().items, [
      {
        upstream: 'files',
        linked: false,
        mode: 'per-caller',
        email: null,
        status: null,
        broken_reason: null,
        linked_at: null,
        error: null,
      },
    ]);
    h.upstream?.accounts.set(key.id, 'ada@example.com');
    const linked = (await h.call('GET', `/admin/v1/keys/${key.id}/accounts`)).json().items[0];
    assert.equal(linked.linked, true);
    assert.equal(linked.email, 'ada@example.com');
    assert.equal(linked.linked_at, '2026-01-02T03:04:05.000Z');

    const removed = await h.call('DELETE', `/admin/v1/keys/${key.id}/accounts/files`);
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal(h.upstream?.accounts.has(key.id), false);
    assert.equal((await h.call('GET', `/admin/v1/keys/${key.id}`)).json().status, 'active');
    const [entry] = (await h.audit.list({ limit: 10 })).items.filter((e) => e.action === 'key.account.unlink');
    assert.equal(entry?.target, key.id);
    assert.equal(entry?.details?.['upstream'], 'files');
  });

  test('the new routes are in the OpenAPI document', async () => {
    const paths = Object.keys((await h.call('GET', '/admin/v1/openapi.json', { token: null })).json().paths);
    for (const path of [
      '/admin/v1/upstreams/{name}/test-call',
      '/admin/v1/keys/{id}/oauth-grants',
      '/admin/v1/keys/{id}/oauth-grants/{grant}',
      '/admin/v1/keys/{id}/accounts',
      '/admin/v1/keys/{id}/accounts/{upstream}',
    ]) {
      assert.ok(paths.includes(path), path);
    }
  });
});
