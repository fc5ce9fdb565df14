import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { adminAuthHook } from '../admin/admin-auth.ts';
import type { AdminHarness } from '../admin/admin-test-harness.ts';
import { assertProblem, TEST_ADMIN_TOKEN } from '../admin/admin-test-harness.ts';
import { buildAdminApp } from '../admin/build-admin-app.ts';
import { assertRequiresAdminAuth } from '../admin/requires-admin-auth.ts';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { systemClock } from '../clock.ts';
import { createKeyEvents, createKeyStore, KeyAuthenticator, KeyService } from '../keys/index.ts';
import { ClientMetadataDocuments } from './client-metadata-documents.ts';
import { CLAUDE_REDIRECT_URIS, oauthClientRoutes } from './client-routes.ts';
import { connectorDiagnosticsRoutes } from './connector-diagnostics.ts';
import { MemoryOAuthStore } from './memory-oauth-store.ts';
import { OAuthClients } from './oauth-clients.ts';
import { oauthEndpoints } from './oauth-endpoints.ts';

/**
 * The admin routes for pre-registered OAuth clients, mounted as the admin app mounts them: inside the
 * guarded scope under /admin/v1, with the admin API's validation and problem details.
 */
describe('admin: pre-registered OAuth clients', () => {
  const store = createKeyStore();
  const events = createKeyEvents();
  const audit = createAuditLog();
  const keys = new KeyService({ store, events, audit });
  const authenticator = new KeyAuthenticator({ store, events, audit });
  const oauthStore = new MemoryOAuthStore();
  const documents = new ClientMetadataDocuments({ clock: systemClock });
  const clients = new OAuthClients({ store: oauthStore, documents, clock: systemClock, idleTtlMs: 86_400_000 });
  const app = buildAdminApp({
    keys,
    authenticator,
    audit,
    adminToken: TEST_ADMIN_TOKEN,
    usage: async () => ({}),
    logLevel: 'silent',
  });
  const plugins: FastifyPluginAsyncZod[] = [
    oauthClientRoutes({ clients, audit }),
    connectorDiagnosticsRoutes({ endpoints: oauthEndpoints('http://127.0.0.1:9'), keys, clients, clock: systemClock }),
  ];
  void app.register(
    async (v1) => {
      v1.addHook('onRequest', adminAuthHook({ adminToken: TEST_ADMIN_TOKEN, authenticator, audit }));
      for (const plugin of plugins) await v1.register(plugin);
    },
    { prefix: '/admin/v1' },
  );

  const call: AdminHarness['call'] = (method, url, { body, token = TEST_ADMIN_TOKEN, headers = {} } = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  const harness = {
    app,
    keys,
    store,
    audit,
    authenticator,
    adminToken: TEST_ADMIN_TOKEN,
    logs: [],
    usageCalls: [],
    call,
    async createKey(body: Record<string, unknown> = {}) {
      const response = await call('POST', '/admin/v1/keys', { body: { name: 'alice', scopes: ['gmail_*'], ...body } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    },
    close: async () => {},
  } satisfies AdminHarness;

  before(async () => {
    await app.ready();
  });
  after(async () => {
    await app.close();
    await authenticator.close();
    await documents.close();
  });

  it('creates a client with Claude’s callbacks by default and shows its secret once', async () => {
    const created = await call('POST', '/admin/v1/oauth/clients', { body: { name: 'Claude (team connector)' } });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json() as Record<string, unknown>;
    assert.match(String(body['client_id']), /^sbc_[A-Za-z0-9_-]{43}$/);
    assert.match(String(body['client_secret']), /^sbcs_/);
    assert.deepEqual(body['redirect_uris'], CLAUDE_REDIRECT_URIS);
    assert.equal(body['token_endpoint_auth_method'], 'client_secret_post');
    assert.equal(body['created_by'], 'admin-token');

    const id = String(body['client_id']);
    const secret = String(body['client_secret']);
    const stored = await oauthStore.getClient(id);
    assert.ok(stored?.secretHash);
    assert.equal(JSON.stringify(stored).includes(secret), false, 'only the hash of the secret is stored');

    // The client works at the token endpoint's client authentication, with that secret only.
    const resolved = await clients.find(id);
    assert.ok(resolved);
    clients.authenticate(resolved, { clientId: id, secret });
    assert.throws(() => clients.authenticate(resolved, { clientId: id, secret: `${secret}x` }), /wrong/);

    const list = (await call('GET', '/admin/v1/oauth/clients')).json() as { items: Record<string, unknown>[] };
    assert.deepEqual(
      list.items.map((c) => c['client_id']),
      [id],
    );
    assert.ok(list.items.every((c) => !('client_secret' in c)));
    assert.equal(JSON.stringify(list).includes(secret), false);
    const read = await call('GET', `/admin/v1/oauth/clients/${id}`);
    assert.equal(read.statusCode, 200);
    assert.equal((read.json() as Record<string, unknown>)['client_secret'], undefined);

    assert.equal((await call('DELETE', `/admin/v1/oauth/clients/${id}`)).statusCode, 204);
    assertProblem(await call('GET', `/admin/v1/oauth/clients/${id}`), 404, 'NOT_FOUND');
    assertProblem(await call('DELETE', `/admin/v1/oauth/clients/${id}`), 404, 'NOT_FOUND');
    assert.equal(await clients.find(id), null);

    const actions = (await audit.list({ limit: 10 })).items.map((e) => `${e.action}:${e.target}`);
    assert.ok(actions.includes(`oauth_client.create:${id}`));
    assert.ok(actions.includes(`oauth_client.delete:${id}`));
  });

  it('takes explicit redirect URIs and refuses unsafe or malformed input', async () => {
    const created = await call('POST', '/admin/v1/oauth/clients', {
      body: { name: 'Desktop app', redirect_uris: ['http://127.0.0.1/callback', 'com.example.app:/oauth'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const before = await clients.listPreregistered();
    for (const body of [
      { name: 'x', redirect_uris: ['javascript:alert(1)'] },
      { name: 'x', redirect_uris: ['http://example.com/cb'] },
      { name: 'x', redirect_uris: [] },
      { name: '' },
      { name: 'x', secret: 'chosen' },
    ]) {
      assertProblem(await call('POST', '/admin/v1/oauth/clients', { body }), 400, 'VALIDATION_FAILED');
    }
    assertProblem(await call('GET', '/admin/v1/oauth/clients/not-an-id'), 400, 'VALIDATION_FAILED');
    assert.deepEqual(await clients.listPreregistered(), before);
  });

  it('appears in the admin OpenAPI document', async () => {
    const response = await call('GET', '/admin/v1/openapi.json', { token: null });
    assert.equal(response.statusCode, 200);
    const paths = Object.keys((response.json() as { paths: Record<string, unknown> }).paths);
    for (const path of ['/admin/v1/oauth/clients', '/admin/v1/oauth/clients/{id}', '/admin/v1/diagnostics/connector']) {
      assert.ok(paths.includes(path), path);
    }
  });

  for (const route of [
    { method: 'POST', url: '/admin/v1/oauth/clients', body: { name: 'x' } },
    { method: 'GET', url: '/admin/v1/oauth/clients' },
    { method: 'GET', url: `/admin/v1/oauth/clients/sbc_${'a'.repeat(43)}` },
    { method: 'DELETE', url: `/admin/v1/oauth/clients/sbc_${'a'.repeat(43)}` },
    { method: 'GET', url: '/admin/v1/diagnostics/connector' },
  ] satisfies { method: InjectOptions['method']; url: string; body?: unknown }[]) {
    it(`${route.method} ${route.url.replace(/sbc_a+/, ':id')} requires admin authentication`, async () => {
      await assertRequiresAdminAuth(harness, route);
    });
  }
});
