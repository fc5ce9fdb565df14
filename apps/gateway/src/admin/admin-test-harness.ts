import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { type Clock, systemClock } from '../clock.ts';
import { LinkedAccounts } from '../connect/linked-accounts.ts';
import { createKeyEvents } from '../keys/create-key-events.ts';
import { createKeyStore } from '../keys/create-key-store.ts';
import { KeyAuthenticator } from '../keys/key-authenticator.ts';
import type { KeyEvents } from '../keys/key-events.ts';
import { KeyService } from '../keys/key-service.ts';
import type { KeyStore } from '../keys/key-store.ts';
import type { RedisTestFixture } from '../keys/test-fixtures.ts';
import type { ScopeCatalog } from '../keys/unmatched-scopes.ts';
import { keyGrantRoutes } from '../oauth/key-grant-routes.ts';
import { MemoryOAuthStore } from '../oauth/memory-oauth-store.ts';
import { parseUpstreams } from '../upstreams/upstream-config.ts';
import { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { type CallCounters, createCallCounters } from '../usage/call-counters.ts';
import { buildAdminApp } from './build-admin-app.ts';
import { startToolServerFixture, type ToolServerFixture } from './tool-server-fixture.ts';

/** Test-only: an admin app on in-memory or Redis adapters, with captured logs and a fixed admin token. */
export interface AdminHarness {
  app: FastifyInstance;
  keys: KeyService;
  store: KeyStore;
  audit: AuditLog;
  authenticator: KeyAuthenticator;
  adminToken: string;
  /** Every log line the app wrote. */
  logs: string[];
  usageCalls: { keyId: string; hours: number }[];
  /** The in-memory call counters behind `GET /usage` (absent when a test builds its own app). */
  calls?: CallCounters;
  /** The OAuth store behind `/keys/{id}/oauth-grants` (absent when a test builds its own app). */
  oauthStore?: MemoryOAuthStore;
  /** With `upstream: true`: the tool server behind `/upstreams` and `/keys/{id}/accounts`. */
  upstream?: ToolServerFixture;
  call(
    method: InjectOptions['method'],
    url: string,
    options?: { body?: unknown; token?: string | null; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  /** Creates a key through the API and returns the response body (with `token`). */
  createKey(body?: Record<string, unknown>): Promise<{ id: string; token: string; [field: string]: unknown }>;
  close(): Promise<void>;
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** The default upstreams, as `npm start` configures them; gmail has listed a few tools, the others nothing yet. */
export const TEST_SCOPE_CATALOG: ScopeCatalog = {
  upstreams: [
    { name: 'blotato', prefixed: true },
    { name: 'gmail', prefixed: true },
    { name: 'drive', prefixed: true },
  ],
  names: new Map([['gmail', ['gmail_search_threads', 'gmail_get_thread', 'gmail_create_draft']]]),
};

export const TEST_ASSERTION_SECRET = 'test-assertion-secret-0123456789abcdef';

export async function adminHarness(
  options: {
    redis?: RedisTestFixture;
    clock?: Clock;
    scopeCatalog?: ScopeCatalog;
    /** Adds a tool server (`files`, `"connect": true`) with the upstream, test-call and account routes. */
    upstream?: boolean;
  } = {},
): Promise<AdminHarness> {
  const clock = options.clock ?? systemClock;
  const fixture = options.redis;
  const store = createKeyStore({ redis: fixture?.redis, prefix: fixture?.prefix, clock });
  const events: KeyEvents = createKeyEvents(
    fixture === undefined ? {} : { redis: fixture.url, prefix: fixture.prefix },
  );
  const audit = createAuditLog({ redis: fixture?.redis, prefix: fixture?.prefix, clock });
  const keys = new KeyService({ store, events, audit, clock });
  const authenticator = new KeyAuthenticator({ store, events, audit, clock });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const usageCalls: { keyId: string; hours: number }[] = [];
  const calls = createCallCounters({});
  const oauthStore = new MemoryOAuthStore({ clock });
  let upstream: ToolServerFixture | undefined;
  let registry: UpstreamRegistry | undefined;
  if (options.upstream === true) {
    upstream = await startToolServerFixture({ name: 'files', secret: TEST_ASSERTION_SECRET });
    registry = new UpstreamRegistry(
      parseUpstreams(JSON.stringify([{ name: 'files', url: upstream.url, connect: true }])),
      {
        signer: new CallerAssertionSigner({ secrets: [TEST_ASSERTION_SECRET] }),
        clientInfo: { name: 'test', version: '1' },
      },
    );
    await registry.start();
  }
  const app = buildAdminApp({
    ...(registry === undefined
      ? {}
      : {
          registry,
          accounts: new LinkedAccounts({
            registry,
            signer: new CallerAssertionSigner({ secrets: [TEST_ASSERTION_SECRET] }),
          }),
        }),
    plugins: [keyGrantRoutes({ store: oauthStore, keyStore: store, clock, audit })],
    calls,
    keys,
    authenticator,
    audit,
    adminToken: TEST_ADMIN_TOKEN,
    usage: async (keyId, hours) => {
      usageCalls.push({ keyId, hours });
      return { gmail_search_threads: { calls: 12, refused: 2 } };
    },
    scopeCatalog: () => options.scopeCatalog ?? TEST_SCOPE_CATALOG,
    logLevel: 'trace',
    logStream,
  });
  await app.ready();

  const call: AdminHarness['call'] = (method, url, { body, token = TEST_ADMIN_TOKEN, headers = {} } = {}) =>
    app.inject({
      method,
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
      ...(body === undefined ? {} : typeof body === 'string' ? { payload: body } : { payload: body as object }),
    });

  return {
    app,
    keys,
    store,
    audit,
    authenticator,
    adminToken: TEST_ADMIN_TOKEN,
    logs,
    usageCalls,
    calls,
    oauthStore,
    ...(upstream === undefined ? {} : { upstream }),
    call,
    async createKey(body = {}) {
      const response = await call('POST', '/admin/v1/keys', { body: { name: 'alice', scopes: ['gmail_*'], ...body } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json();
    },
    async close() {
      await app.close();
      await authenticator.close();
      await events.close();
      await registry?.close();
      await upstream?.close();
    },
  };
}

/** Asserts an RFC 9457 problem with the given status and stable code. */
export function assertProblem(response: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = response.json() as Record<string, unknown>;
  assert.equal(problem['status'], status);
  assert.equal(problem['code'], code);
  assert.equal(typeof problem['type'], 'string');
  assert.equal(typeof problem['title'], 'string');
  assert.equal(typeof problem['detail'], 'string');
  return problem;
}
