import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, adminHarness } from './admin-test-harness.ts';
import { buildAdminApp } from './build-admin-app.ts';

describe('admin API: happy paths', () => {
  let h: AdminHarness;
  before(async () => {
    h = await adminHarness();
  });
  after(() => h.close());

  test('POST /keys creates a key and returns the token once; GET never shows it again', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const response = await h.call('POST', '/admin/v1/keys', {
      body: {
        name: 'Alice’s laptop',
        owner: 'alice@example.com',
        scopes: ['gmail_*', 'drive_search_files'],
        limits: {
          key: { limit: 100, window_s: 60, burst: 100 },
          upstreams: { gmail: { limit: 30, window_s: 60 } },
          tools: [{ pattern: 'blotato_publish_*', limit: 10, window_s: 60, burst: 10, cost: 5 }],
        },
        expires_at: expires,
      },
    });
    assert.equal(response.statusCode, 201, response.body);
    const created = response.json();
    assert.match(created.id, /^key_/);
    assert.match(created.token, /^sb_[0-9A-Za-z]{39}$/);
    assert.equal(created.prefix, created.token.slice(0, 8));
    assert.equal(created.status, 'active');
    assert.equal(created.name, 'Alice’s laptop');
    assert.equal(created.expires_at, expires);
    assert.deepEqual(created.limits.tools[0], {
      pattern: 'blotato_publish_*',
      limit: 10,
      window_s: 60,
      burst: 10,
      cost: 5,
    });
    assert.equal(created.last_used_at, null);
    assert.deepEqual(created.secrets, [{ prefix: created.prefix, created_at: created.created_at, expires_at: null }]);
    assert.equal(JSON.stringify(created).includes('hash'), false, 'hashes are not part of the API');

    const read = await h.call('GET', `/admin/v1/keys/${created.id}`);
    assert.equal(read.statusCode, 200);
    assert.equal(read.body.includes(created.token), false);
    const { token: _token, ...withoutToken } = created;
    assert.deepEqual(read.json(), withoutToken);
  });

  test('GET /keys pages with a cursor and filters by status and owner', async () => {
    const owner = `pager-${Date.now()}@example.com`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.createKey({ name: `k${i}`, owner })).id);
    await h.call('POST', `/admin/v1/keys/${ids[1]}/revoke`);

    const seen: string[] = [];
    let url = `/admin/v1/keys?limit=2&owner=${encodeURIComponent(owner)}`;
    for (;;) {
      const page = (await h.call('GET', url)).json();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((k: { id: string }) => k.id));
      if (page.next_cursor === null) break;
      url = `/admin/v1/keys?limit=2&owner=${encodeURIComponent(owner)}&cursor=${page.next_cursor}`;
    }
    assert.deepEqual(seen, ids);

    const revoked = (await h.call('GET', `/admin/v1/keys?status=revoked&owner=${encodeURIComponent(owner)}`)).json();
    assert.deepEqual(
      revoked.items.map((k: { id: string; status: string }) => [k.id, k.status]),
      [[ids[1], 'revoked']],
    );
  });

  test('PATCH /keys/{id} changes scopes, limits and expiry, and the key follows at once', async () => {
    const key = await h.createKey({ scopes: ['gmail_*'] });
    assert.deepEqual([...(await h.authenticator.authenticate(key.token, '10.0.0.1')).scopes], ['gmail_*']);
    const response = await h.call('PATCH', `/admin/v1/keys/${key.id}`, {
      body: { scopes: ['drive_*'], limits: { key: null }, expires_at: null, name: 'renamed' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(body.scopes, ['drive_*']);
    assert.deepEqual(body.limits, { key: null });
    assert.equal(body.name, 'renamed');
    const now = await h.authenticator.authenticate(key.token, '10.0.0.1');
    assert.deepEqual([...now.scopes], ['drive_*']);
    assert.deepEqual(now.limits, { key: null });
  });

  test('scopes: any configured namespace, listed tools, exact names of a down upstream; the flag for the rest', async () => {
    const accepted = ['*', 'admin', 'gmail_*', 'gmail_search_threads', 'drive_*', 'drive_search_files', 'blotato_*'];
    assert.deepEqual((await h.createKey({ scopes: accepted })).scopes, accepted);
    const future = await h.createKey({ scopes: ['notion_*', 'gmail_*'], allow_unknown_scopes: true });
    assert.deepEqual(future.scopes, ['notion_*', 'gmail_*']);
    assert.equal('allow_unknown_scopes' in future, false, 'the flag is not stored');
    const response = await h.call('PATCH', `/admin/v1/keys/${future.id}`, {
      body: { scopes: ['linear_*'], allow_unknown_scopes: true },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().scopes, ['linear_*']);
  });

  test('POST /keys/{id}/rotate: new token, old one kept for the grace (default 24 h, settable, 0 = now)', async () => {
    const key = await h.createKey();
    const rotated = (await h.call('POST', `/admin/v1/keys/${key.id}/rotate`)).json();
    assert.match(rotated.token, /^sb_/);
    assert.notEqual(rotated.token, key.token);
    assert.equal(rotated.secrets.length, 2);
    const grace = Date.parse(rotated.secrets[1].expires_at) - Date.parse(rotated.updated_at);
    assert.equal(grace, 86_400_000);
    assert.equal((await h.authenticator.authenticate(key.token, '10.0.0.1')).id, key.id);
    assert.equal((await h.authenticator.authenticate(rotated.token, '10.0.0.1')).id, key.id);

    const again = await h.call('POST', `/admin/v1/keys/${key.id}/rotate`, { body: { grace_period_s: 3600 } });
    const second = again.json();
    assert.equal(Date.parse(second.secrets[1].expires_at) - Date.parse(second.updated_at), 3600_000);
    await assert.rejects(h.authenticator.authenticate(key.token, '10.0.0.1'), { code: 'UNAUTHENTICATED' });

    const third = (await h.call('POST', `/admin/v1/keys/${key.id}/rotate`, { body: { grace_period_s: 0 } })).json();
    assert.equal(third.secrets.length, 1);
    await assert.rejects(h.authenticator.authenticate(second.token, '10.0.0.1'), { code: 'UNAUTHENTICATED' });
    assert.equal((await h.authenticator.authenticate(third.token, '10.0.0.1')).id, key.id);
  });

  test('POST /keys/{id}/revoke and DELETE /keys/{id} revoke immediately and idempotently', async () => {
    for (const [method, suffix] of [
      ['POST', '/revoke'],
      ['DELETE', ''],
    ] as const) {
      const key = await h.createKey();
      await h.authenticator.authenticate(key.token, '10.0.0.1');
      const first = await h.call(method, `/admin/v1/keys/${key.id}${suffix}`);
      assert.equal(first.statusCode, 200, first.body);
      assert.equal(first.json().status, 'revoked');
      await assert.rejects(h.authenticator.authenticate(key.token, '10.0.0.1'), { details: { reason: 'revoked' } });
      const second = await h.call(method, `/admin/v1/keys/${key.id}${suffix}`);
      assert.equal(second.json().revoked_at, first.json().revoked_at);
    }
  });

  test('GET /keys/{id}/usage asks the injected usage function for the last hour or day', async () => {
    const key = await h.createKey();
    const hour = await h.call('GET', `/admin/v1/keys/${key.id}/usage`);
    assert.deepEqual(hour.json(), {
      key_id: key.id,
      window: 'hour',
      usage: { gmail_search_threads: { calls: 12, refused: 2 } },
    });
    await h.call('GET', `/admin/v1/keys/${key.id}/usage?window=day`);
    assert.deepEqual(h.usageCalls.slice(-2), [
      { keyId: key.id, hours: 1 },
      { keyId: key.id, hours: 24 },
    ]);
  });

  test('GET /audit lists mutations newest first with actor, target, ip and outcome, page by page', async () => {
    const key = await h.createKey({ name: 'audited' });
    await h.call('POST', `/admin/v1/keys/${key.id}/rotate`, { body: { grace_period_s: 60 } });
    await h.call('POST', `/admin/v1/keys/${key.id}/revoke`);
    const page = (await h.call('GET', '/admin/v1/audit?limit=3')).json();
    assert.deepEqual(
      page.items.map((e: { action: string }) => e.action),
      ['key.revoke', 'key.rotate', 'key.create'],
    );
    for (const entry of page.items) {
      assert.equal(entry.actor, 'admin-token');
      assert.equal(entry.target, key.id);
      assert.equal(entry.outcome, 'success');
      assert.equal(entry.ip, '127.0.0.1');
      assert.ok(!Number.isNaN(Date.parse(entry.at)));
    }
    assert.equal(typeof page.next_cursor, 'string');
    const next = (await h.call('GET', `/admin/v1/audit?limit=3&cursor=${page.next_cursor}`)).json();
    assert.ok(next.items.length > 0);
    assert.ok(!next.items.some((e: { id: string }) => page.items.some((p: { id: string }) => p.id === e.id)));
  });

  test('GET /keys?q= finds keys by name, owner, id or prefix, case-insensitively', async () => {
    const zed = await h.createKey({ name: 'Zed’s phone', owner: 'zed@example.com' });
    const other = await h.createKey({ name: 'unrelated' });
    const find = async (q: string) =>
      (await h.call('GET', `/admin/v1/keys?q=${encodeURIComponent(q)}&limit=100`))
        .json()
        .items.map((k: { id: string }) => k.id);
    for (const q of ['ZED', 'zed@example', zed.id, String(zed['prefix'])]) {
      const found = await find(q);
      assert.ok(found.includes(zed.id), q);
      assert.equal(found.includes(other.id), false, q);
    }
  });

  test('GET /audit filters by action prefix, actor, target and outcome', async () => {
    const key = await h.createKey({ name: 'filtered' });
    await h.call('POST', `/admin/v1/keys/${key.id}/rotate`, { body: { grace_period_s: 0 } });
    await h.call('GET', '/admin/v1/keys', { token: 'wrong-token-abcdefghijklmnop' });
    const actions = async (query: string) =>
      (await h.call('GET', `/admin/v1/audit?${query}`)).json().items.map((e: { action: string }) => e.action);
    assert.deepEqual(await actions(`target=${key.id}`), ['key.rotate', 'key.create']);
    assert.deepEqual(await actions(`target=${key.id}&action=key.rot`), ['key.rotate']);
    assert.deepEqual(await actions(`target=${key.id}&limit=1`), ['key.rotate']);
    const denied: string[] = await actions('outcome=denied&actor=anonymous&action=admin.');
    assert.notEqual(denied.length, 0, 'the refused admin call is found');
    assert.deepEqual([...new Set(denied)], ['admin.auth_failed']);
    assert.deepEqual(await actions(`target=${key.id}&outcome=failure`), []);
  });

  test('an API key with the admin scope may use the admin API, and is the recorded actor', async () => {
    const admin = await h.createKey({ name: 'ops bot', scopes: ['admin'] });
    const created = await h.call('POST', '/admin/v1/keys', {
      token: admin.token,
      body: { name: 'made by bot', scopes: [] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const [entry] = (await h.call('GET', '/admin/v1/audit?limit=1')).json().items;
    assert.equal(entry.actor, admin.id);
    assert.equal(entry.action, 'key.create');
  });

  test('GET /admin/v1/openapi.json is an OpenAPI 3.1 document generated from the route schemas', async () => {
    const response = await h.call('GET', '/admin/v1/openapi.json', { token: null });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/admin/v1/audit',
      '/admin/v1/keys',
      '/admin/v1/keys/{id}',
      '/admin/v1/keys/{id}/oauth-grants',
      '/admin/v1/keys/{id}/oauth-grants/{grant}',
      '/admin/v1/keys/{id}/revoke',
      '/admin/v1/keys/{id}/rotate',
      '/admin/v1/keys/{id}/usage',
      '/admin/v1/usage',
    ]);
    const create = doc.paths['/admin/v1/keys'].post;
    const body = create.requestBody.content['application/json'].schema;
    const resolved = body.$ref === undefined ? body : doc.components.schemas[body.$ref.split('/').at(-1)];
    assert.deepEqual(resolved.required.sort(), ['name', 'scopes']);
    assert.equal(resolved.additionalProperties, false);
    assert.ok(create.responses['201']);
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
  });

  test('with metrics and readiness given, the admin listener also serves /metrics, /healthz and /readyz', async () => {
    const app = buildAdminApp({
      keys: h.keys,
      authenticator: h.authenticator,
      audit: h.audit,
      adminToken: h.adminToken,
      usage: async () => ({}),
      logLevel: 'silent',
      metrics: { contentType: 'text/plain; version=0.0.4', metrics: async () => 'switchboard_up 1\n' },
      readiness: async () => ({ ready: true, store: 'ok' }),
    });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.body, 'switchboard_up 1\n');
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).json().status, 'ready');
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    await app.close();
  });

  test('refuses to start with a short admin token', () => {
    assert.throws(
      () =>
        buildAdminApp({
          keys: h.keys,
          authenticator: h.authenticator,
          audit: h.audit,
          adminToken: 'short',
          usage: async () => ({}),
        }),
      /at least 16/,
    );
  });
});
