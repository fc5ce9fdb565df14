import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, adminHarness, assertProblem } from './admin-test-harness.ts';

describe('admin API: test calls, OAuth grants and linked accounts (errors)', () => {
  let h: AdminHarness;
  before(async () => {
    h = await adminHarness({ upstream: true });
  });
  after(() => h.close());

  test('a tool not marked read-only is refused (403 problem), never called, and the refusal audited', async () => {
    const response = await h.call('POST', '/admin/v1/upstreams/files/test-call', { body: { tool: 'files_publish' } });
    const problem = assertProblem(response, 403, 'FORBIDDEN');
    assert.match(String(problem['detail']), /not marked read-only/);
    assert.equal(h.upstream?.published, 0);
    const [entry] = (await h.audit.list({ limit: 10 })).items.filter((e) => e.action === 'upstream.test_call');
    assert.equal(entry?.outcome, 'denied');
    assert.equal(entry?.details?.['tool'], 'files_publish');
  });

  test('unknown upstreams and tools are 404; bad bodies are 400', async () => {
    assertProblem(
      await h.call('POST', '/admin/v1/upstreams/nope/test-call', { body: { tool: 'files_lookup' } }),
      404,
      'NOT_FOUND',
    );
    assertProblem(
      await h.call('POST', '/admin/v1/upstreams/files/test-call', { body: { tool: 'files_missing' } }),
      404,
      'NOT_FOUND',
    );
    for (const body of [{}, { tool: 'files_lookup', arguments: [] }, { tool: 'files_lookup', extra: 1 }]) {
      assertProblem(await h.call('POST', '/admin/v1/upstreams/files/test-call', { body }), 400, 'VALIDATION_FAILED');
    }
    assert.deepEqual(h.upstream?.lookups, []);
  });

  test('arguments the tool rejects come back as a tool error, not a server failure', async () => {
    const response = await h.call('POST', '/admin/v1/upstreams/files/test-call', {
      body: { tool: 'files_lookup', arguments: { word: 42 } },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().is_error, true);
  });

  test('grants: unknown key 404, a grant of another key 404 (and kept), malformed ids 400', async () => {
    const key = await h.createKey();
    const other = await h.createKey();
    const grant = 'G'.repeat(22);
    await h.oauthStore!.createFamily(
      {
        id: grant,
        clientId: 'sbc_x',
        keyId: other.id,
        secretFingerprint: 'fp',
        scope: 'mcp',
        resource: 'https://gw.example.com/mcp',
        createdAt: 1,
        expiresAt: Date.now() + 60_000,
      },
      'h',
      60_000,
    );
    assertProblem(await h.call('GET', '/admin/v1/keys/key_unknown000/oauth-grants'), 404, 'NOT_FOUND');
    assertProblem(await h.call('DELETE', `/admin/v1/keys/${key.id}/oauth-grants/${grant}`), 404, 'NOT_FOUND');
    assert.notEqual(await h.oauthStore!.getFamily(grant), null, "another key's grant is untouched");
    assertProblem(await h.call('DELETE', `/admin/v1/keys/${key.id}/oauth-grants/short`), 400, 'VALIDATION_FAILED');
    assertProblem(await h.call('GET', '/admin/v1/keys/not-a-key/oauth-grants'), 400, 'VALIDATION_FAILED');
  });

  test('accounts: unknown key 404, nothing linked 404, unknown upstream 404', async () => {
    const key = await h.createKey();
    assertProblem(await h.call('GET', '/admin/v1/keys/key_unknown000/accounts'), 404, 'NOT_FOUND');
    assertProblem(await h.call('DELETE', `/admin/v1/keys/${key.id}/accounts/files`), 404, 'NOT_FOUND');
    assertProblem(await h.call('DELETE', `/admin/v1/keys/${key.id}/accounts/nope`), 404, 'NOT_FOUND');
    assert.equal(
      (await h.audit.list({ limit: 50 })).items.some((e) => e.action === 'key.account.unlink'),
      false,
      'nothing was unlinked, nothing audited as such',
    );
  });

  test('a tool server that cannot be asked shows as an entry with an error, not a failed page', async () => {
    const key = await h.createKey();
    await h.upstream?.close();
    const response = await h.call('GET', `/admin/v1/keys/${key.id}/accounts`);
    assert.equal(response.statusCode, 200, response.body);
    const [entry] = response.json().items;
    assert.equal(entry.linked, null);
    assert.match(entry.error, /unreachable/);
    assertProblem(await h.call('DELETE', `/admin/v1/keys/${key.id}/accounts/files`), 503, 'UPSTREAM_UNAVAILABLE');
  });
});
