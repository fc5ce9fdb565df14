import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedis } from '@switchboard/redis';
import { startRedisServer } from '@switchboard/testing';
import { generateApiKeyToken } from '../keys/api-key-token.ts';
import type { RedisTestFixture } from '../keys/test-fixtures.ts';
import { type AdminHarness, adminHarness, assertProblem } from './admin-test-harness.ts';

describe('admin API: bad requests get problems and change nothing', () => {
  let h: AdminHarness;
  let key: { id: string; token: string };
  before(async () => {
    h = await adminHarness();
    key = await h.createKey({ name: 'victim', scopes: ['gmail_*'] });
  });
  after(() => h.close());

  /** Every stored key, for before/after comparisons. */
  const everything = async () => (await h.store.list({ limit: 1000 })).items;

  const rejected = async (
    label: string,
    request: { method: 'POST' | 'PATCH' | 'GET'; url: string; body?: unknown; headers?: Record<string, string> },
    status: number,
    code: string,
  ) => {
    const before = await everything();
    const response = await h.call(request.method, request.url, { body: request.body, headers: request.headers });
    const problem = assertProblem(response, status, code);
    assert.deepEqual(await everything(), before, `${label} changed stored data`);
    return problem;
  };

  const json = { 'content-type': 'application/json' };
  const createCases: [string, unknown, number, string][] = [
    ['malformed JSON', '{"name": "x", "scopes": [', 400, 'PARSE_ERROR'],
    ['__proto__ key (prototype poisoning)', '{"name":"x","scopes":[],"__proto__":{"admin":true}}', 400, 'PARSE_ERROR'],
    ['constructor.prototype key', '{"name":"x","scopes":[],"constructor":{"prototype":{"a":1}}}', 400, 'PARSE_ERROR'],
    ['unknown top-level field', { name: 'x', scopes: [], scope: ['*'] }, 400, 'VALIDATION_FAILED'],
    [
      'unknown field inside limits',
      { name: 'x', scopes: [], limits: { key: { limit: 1, window_s: 1, burts: 2 } } },
      400,
      'VALIDATION_FAILED',
    ],
    ['missing scopes', { name: 'x' }, 400, 'VALIDATION_FAILED'],
    ['RTL override in the name', { name: 'invoice\u202Etxt.exe', scopes: [] }, 400, 'VALIDATION_FAILED'],
    ['NUL in the name', { name: 'ali\u0000ce', scopes: [] }, 400, 'VALIDATION_FAILED'],
    ['zero-width space in the name', { name: 'ali\u200Bce', scopes: [] }, 400, 'VALIDATION_FAILED'],
    ['lone surrogate in the name', '{"name":"ali\\ud800ce","scopes":[]}', 400, 'VALIDATION_FAILED'],
    ['ANSI escape in the owner', { name: 'x', owner: '\u001b[31mroot', scopes: [] }, 400, 'VALIDATION_FAILED'],
    ['padded name', { name: ' alice', scopes: [] }, 400, 'VALIDATION_FAILED'],
    ['empty name', { name: '', scopes: [] }, 400, 'VALIDATION_FAILED'],
    ['Cyrillic homoglyph in a scope', { name: 'x', scopes: ['gm\u0430il_*'] }, 400, 'VALIDATION_FAILED'],
    ['fullwidth asterisk scope', { name: 'x', scopes: ['\uFF0A'] }, 400, 'VALIDATION_FAILED'],
    ['scope with a space', { name: 'x', scopes: ['gmail *'] }, 400, 'VALIDATION_FAILED'],
    ['repeated scope', { name: 'x', scopes: ['a', 'a'] }, 400, 'VALIDATION_FAILED'],
    [
      'negative limit',
      { name: 'x', scopes: [], limits: { key: { limit: -1, window_s: 60 } } },
      400,
      'VALIDATION_FAILED',
    ],
    [
      'fractional window',
      { name: 'x', scopes: [], limits: { key: { limit: 1, window_s: 0.5 } } },
      400,
      'VALIDATION_FAILED',
    ],
    ['expiry in the past', { name: 'x', scopes: [], expires_at: '2001-01-01T00:00:00Z' }, 400, 'VALIDATION_FAILED'],
    ['expiry not ISO 8601', { name: 'x', scopes: [], expires_at: 'tomorrow' }, 400, 'VALIDATION_FAILED'],
    ['array body', [{ name: 'x', scopes: [] }], 400, 'VALIDATION_FAILED'],
  ];
  for (const [label, body, status, code] of createCases) {
    test(`POST /keys with ${label} → ${status} ${code}`, async () => {
      const problem = await rejected(
        label,
        { method: 'POST', url: '/admin/v1/keys', body, headers: json },
        status,
        code,
      );
      assert.equal(problem['instance'], '/admin/v1/keys');
    });
  }

  test('an oversized body is 413 PAYLOAD_TOO_LARGE', async () => {
    const body = { name: 'x', scopes: [], owner: 'o'.repeat(40_000) };
    await rejected('oversized', { method: 'POST', url: '/admin/v1/keys', body }, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('a non-JSON body is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    await rejected(
      'text/plain',
      { method: 'POST', url: '/admin/v1/keys', body: 'name=x', headers: { 'content-type': 'text/plain' } },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  test('an empty JSON body is 400 PARSE_ERROR', async () => {
    await rejected('empty', { method: 'POST', url: '/admin/v1/keys', body: '', headers: json }, 400, 'PARSE_ERROR');
  });

  test('validation problems say where and why, without echoing values', async () => {
    const problem = await rejected(
      'rtl',
      { method: 'POST', url: '/admin/v1/keys', body: { name: 'evil\u202Ename', scopes: ['gm\u0430il'] } },
      400,
      'VALIDATION_FAILED',
    );
    const issues = problem['issues'] as { where: string; message: string }[];
    assert.deepEqual(issues.map((i) => i.where).sort(), ['body.name', 'body.scopes.0']);
    assert.equal(JSON.stringify(problem).includes('\u202E'), false);
  });

  const patchCases: [string, unknown, number, string][] = [
    ['no fields', {}, 400, 'VALIDATION_FAILED'],
    ['an unknown field', { status: 'active' }, 400, 'VALIDATION_FAILED'],
    ['RTL override in the name', { name: '\u202Eadmin' }, 400, 'VALIDATION_FAILED'],
    ['homoglyph scope', { scopes: ['\u0430dmin'] }, 400, 'VALIDATION_FAILED'],
    ['malformed JSON', '{"name":', 400, 'PARSE_ERROR'],
    ['null scopes', { scopes: null }, 400, 'VALIDATION_FAILED'],
  ];
  for (const [label, body, status, code] of patchCases) {
    test(`PATCH /keys/{id} with ${label} → ${status} ${code}`, async () => {
      await rejected(label, { method: 'PATCH', url: `/admin/v1/keys/${key.id}`, body, headers: json }, status, code);
    });
  }

  test('scopes that grant nothing are refused, naming them and the upstream namespaces', async () => {
    for (const scopes of [['bogus'], ['nosuch_*'], ['gmail_*', 'gmial_*'], ['gmail_serch_threads']]) {
      const problem = await rejected(
        `scopes ${scopes}`,
        { method: 'POST', url: '/admin/v1/keys', body: { name: 'y', scopes } },
        400,
        'VALIDATION_FAILED',
      );
      const unknown = scopes.filter((s) => s !== 'gmail_*');
      assert.deepEqual(problem['unknown_scopes'], unknown);
      assert.deepEqual(problem['namespaces'], ['blotato', 'gmail', 'drive']);
      assert.match(String(problem['detail']), new RegExp(`"${unknown[0]!.replace('*', '\\*')}"`));
      assert.match(String(problem['detail']), /blotato_, gmail_, drive_/);
      assert.match(String(problem['detail']), /allow_unknown_scopes/);
    }
    const problem = await rejected(
      'a scope update',
      { method: 'PATCH', url: `/admin/v1/keys/${key.id}`, body: { scopes: ['gmail_*', 'bogus'] } },
      400,
      'VALIDATION_FAILED',
    );
    assert.deepEqual(problem['unknown_scopes'], ['bogus']);
    await rejected(
      'the flag alone is no change',
      { method: 'PATCH', url: `/admin/v1/keys/${key.id}`, body: { allow_unknown_scopes: true } },
      400,
      'VALIDATION_FAILED',
    );
  });

  test('unknown and malformed key ids', async () => {
    await rejected(
      'unknown id',
      { method: 'PATCH', url: '/admin/v1/keys/key_0000000000', body: { name: 'x' } },
      404,
      'NOT_FOUND',
    );
    await rejected('unknown id', { method: 'GET', url: '/admin/v1/keys/key_0000000000' }, 404, 'NOT_FOUND');
    await rejected('unknown id', { method: 'POST', url: '/admin/v1/keys/key_0000000000/rotate' }, 404, 'NOT_FOUND');
    await rejected('unknown id', { method: 'POST', url: '/admin/v1/keys/key_0000000000/revoke' }, 404, 'NOT_FOUND');
    await rejected('unknown id', { method: 'GET', url: '/admin/v1/keys/key_0000000000/usage' }, 404, 'NOT_FOUND');
    await rejected('malformed id', { method: 'GET', url: '/admin/v1/keys/not-a-key' }, 400, 'VALIDATION_FAILED');
    await rejected('encoded NUL id', { method: 'GET', url: '/admin/v1/keys/key_a%00b' }, 400, 'VALIDATION_FAILED');
  });

  test('rotate: out-of-range grace periods are 400; rotating a revoked key is 409', async () => {
    await rejected(
      'negative grace',
      { method: 'POST', url: `/admin/v1/keys/${key.id}/rotate`, body: { grace_period_s: -1 } },
      400,
      'VALIDATION_FAILED',
    );
    await rejected(
      'huge grace',
      { method: 'POST', url: `/admin/v1/keys/${key.id}/rotate`, body: { grace_period_s: 1e9 } },
      400,
      'VALIDATION_FAILED',
    );
    await rejected(
      'string grace',
      { method: 'POST', url: `/admin/v1/keys/${key.id}/rotate`, body: { grace_period_s: '60' } },
      400,
      'VALIDATION_FAILED',
    );
    const doomed = await h.createKey({ name: 'doomed' });
    await h.call('POST', `/admin/v1/keys/${doomed.id}/revoke`);
    await rejected('revoked', { method: 'POST', url: `/admin/v1/keys/${doomed.id}/rotate` }, 409, 'CONFLICT');
  });

  test('bad query strings are 400', async () => {
    for (const query of [
      'limit=0',
      'limit=abc',
      'limit=1000',
      'status=deleted',
      'cursor=%27%3B--',
      'sort=name',
      'limit=1&limit=2',
    ]) {
      await rejected(query, { method: 'GET', url: `/admin/v1/keys?${query}` }, 400, 'VALIDATION_FAILED');
    }
    await rejected('audit cursor', { method: 'GET', url: '/admin/v1/audit?cursor=abc' }, 400, 'VALIDATION_FAILED');
    await rejected(
      'usage window',
      { method: 'GET', url: `/admin/v1/keys/${key.id}/usage?window=year` },
      400,
      'VALIDATION_FAILED',
    );
  });

  test('an unknown route is a 404 problem', async () => {
    await rejected('unknown route', { method: 'GET', url: '/admin/v1/nope' }, 404, 'NOT_FOUND');
    await rejected('unknown method', { method: 'PATCH', url: '/admin/v1/audit' }, 404, 'NOT_FOUND');
  });

  test('a failing usage source is 503 STORE_UNAVAILABLE with Retry-After', async () => {
    const { buildAdminApp } = await import('./build-admin-app.ts');
    const app = buildAdminApp({
      keys: h.keys,
      authenticator: h.authenticator,
      audit: h.audit,
      adminToken: h.adminToken,
      usage: async () => {
        throw new Error('redis down');
      },
      logLevel: 'silent',
    });
    const response = await app.inject({
      method: 'GET',
      url: `/admin/v1/keys/${key.id}/usage`,
      headers: { authorization: `Bearer ${h.adminToken}` },
    });
    assertProblem(response, 503, 'STORE_UNAVAILABLE');
    assert.equal(response.headers['retry-after'], '1');
    await app.close();
  });

  test('an unexpected failure is a 500 problem that does not leak its message, and is logged', async () => {
    const original = h.keys.list;
    h.keys.list = async () => {
      throw new Error('connection string redis://user:hunter2@db');
    };
    try {
      const problem = assertProblem(await h.call('GET', '/admin/v1/keys'), 500, 'INTERNAL');
      assert.equal(JSON.stringify(problem).includes('hunter2'), false);
      assert.ok(h.logs.some((line) => line.includes('admin request failed')));
    } finally {
      h.keys.list = original;
    }
  });
});

describe('admin API while Redis is down', () => {
  test('answers 503 STORE_UNAVAILABLE (not 401 or 500), and recovers when Redis is back', async () => {
    const server = await startRedisServer();
    // A short fixed reconnect delay keeps the test fast; production clients back off up to 2 s.
    const redis = createRedis(server.url, 'test:admin-outage', { retryStrategy: () => 50 });
    const fixture: RedisTestFixture = {
      redis,
      prefix: 'sb:',
      url: server.url,
      keys: async () => [],
      close: async () => {},
    };
    const h = await adminHarness({ redis: fixture });
    try {
      const key = await h.createKey({ name: 'before the outage' });
      await server.kill();
      assertProblem(await h.call('GET', '/admin/v1/keys'), 503, 'STORE_UNAVAILABLE');
      assertProblem(
        await h.call('POST', '/admin/v1/keys', { body: { name: 'x', scopes: [] } }),
        503,
        'STORE_UNAVAILABLE',
      );
      // An admin-scoped key cannot be checked either: that is an outage, not a wrong credential.
      const fresh = generateApiKeyToken().token;
      assertProblem(await h.call('GET', '/admin/v1/audit', { token: fresh }), 503, 'STORE_UNAVAILABLE');

      // The private server keeps nothing across a restart; recovery means the API answers again.
      await server.start();
      await waitFor(async () => (await h.call('GET', '/admin/v1/keys')).statusCode === 200, 5000);
      assertProblem(await h.call('GET', `/admin/v1/keys/${key.id}`), 404, 'NOT_FOUND');
    } finally {
      await h.close();
      redis.disconnect();
      await server.stop();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not recovered within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
