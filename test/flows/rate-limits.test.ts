/**
 * Per-key limits across replicas: two gateway processes on one Redis share each key's budget exactly; keys
 * do not affect each other; a tool's weight counts; an admin change applies on every replica within a
 * second; and the caller is told plainly when and why to wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type GatewayProcess, spawnGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';
import { modernRequest } from '../support/mcp-requests.ts';

describe('per-key rate limits across two replicas', { timeout: 120_000 }, () => {
  let redis: TestRedisServer;
  let upstream: EchoUpstream;
  let replicas: GatewayProcess[];

  before(async () => {
    redis = await startRedisServer();
    upstream = await startEchoUpstream({ name: 'echo' });
    const env = baseEnv([{ name: 'echo', url: upstream.url }], {
      REDIS_URL: redis.url,
      GATEWAY_REPLICAS: '2',
      LOG_LEVEL: 'warn',
    });
    replicas = [await spawnGateway(env), await spawnGateway(env)];
  });
  after(async () => {
    for (const r of replicas ?? []) await r.stop();
    await upstream?.close();
    await redis?.stop();
  });

  async function admin(path: string, method: string, body?: unknown, replica = 0) {
    const response = await fetch(`${replicas[replica]!.adminUrl}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  }

  async function newKey(limits: unknown) {
    const created = await admin('/keys', 'POST', { name: 'limited', scopes: ['*'], limits });
    return { token: created['token'] as string, id: created['id'] as string };
  }

  /** One modern-era request through replica `n % 2`, raw, so headers and status are visible. */
  const call = (token: string, n: number, method = 'tools/call', tool = 'echo_echo') =>
    modernRequest(replicas[n % 2]!.mcpUrl, token, method, {
      id: n,
      ...(method === 'tools/call' ? { tool, arguments: { text: 'x' } } : {}),
    });

  const admitted = (r: Awaited<ReturnType<typeof call>>) => r.status === 200 && r.body['result']?.['isError'] !== true;

  it('admits exactly the budget of a burst spread over both replicas, and keeps keys apart', async () => {
    const burst = await newKey({ key: { limit: 10, window_s: 60 } });
    const other = await newKey({ key: { limit: 10, window_s: 60 } });
    const results = await Promise.all(Array.from({ length: 15 }, (_, i) => call(burst.token, i)));
    assert.equal(results.filter(admitted).length, 10);
    const refused = results.find((r) => !admitted(r))!;
    const error = refused.body['result']['structuredContent']['error'];
    assert.equal(refused.body['result']['isError'], true);
    assert.equal(error.code, 'RATE_LIMITED');
    assert.ok(error.retry_after_s >= 1 && error.retry_after_s <= 60);
    assert.equal(error.limit, 10);
    assert.equal(error.window_s, 60);
    assert.equal(error.scope, 'key');
    assert.match(refused.body['result']['content'][0].text, /Rate limit for echo_echo: 10 per minute .*retry in \d+ s/);
    assert.match(refused.headers.get('ratelimit-policy') ?? '', /"key";q=10;w=60/);
    assert.match(refused.headers.get('ratelimit') ?? '', /"key";r=0;t=\d+/);

    const others = await Promise.all(Array.from({ length: 3 }, (_, i) => call(other.token, i)));
    assert.equal(others.filter(admitted).length, 3, 'another key is not affected');

    // The console's counts: each replica sums its calls in memory and writes them within a second.
    const sum = (values: number[] | undefined) => (values ?? []).reduce((a, b) => a + b, 0);
    let counted = { ok: 0, rate_limited: 0 };
    for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
      const usage = await admin('/usage?window=hour', 'GET');
      const series = (usage['keys'] as Record<string, { ok: number[]; rate_limited: number[] }>)[burst.id];
      counted = { ok: sum(series?.ok), rate_limited: sum(series?.rate_limited) };
      if (counted.ok === 10 && counted.rate_limited === 5) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.deepEqual(counted, { ok: 10, rate_limited: 5 }, 'admitted and refused calls of both replicas are counted');
  });

  it('answers other refused requests with HTTP 429, Retry-After and retryAfterSeconds', async () => {
    const key = await newKey({ key: { limit: 1, window_s: 60 } });
    assert.equal((await call(key.token, 0, 'tools/list')).status, 200);
    const refused = await call(key.token, 1, 'tools/list');
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60);
    assert.equal(refused.body['error']['code'], -32029);
    assert.equal(refused.body['error']['data']['retryAfterSeconds'], retryAfter);
  });

  it('weighs a call by its tool cost', async () => {
    const key = await newKey({ key: null, tools: [{ pattern: 'echo_echo', limit: 10, window_s: 60, cost: 5 }] });
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await call(key.token, i));
    assert.equal(results.filter(admitted).length, 2);
    assert.equal(results[2]!.body['result']['structuredContent']['error']['scope'], 'tool:echo_echo');
  });

  it('applies a limit changed through the admin API on both replicas within a second', async () => {
    const key = await newKey({ key: { limit: 1, window_s: 3600 } });
    assert.ok(admitted(await call(key.token, 0)));
    assert.ok(!admitted(await call(key.token, 1)), 'the budget of 1 is spent (this caches the key on replica b)');
    assert.ok(!admitted(await call(key.token, 0)));
    await admin(`/keys/${key.id}`, 'PATCH', { limits: { key: { limit: 1000, window_s: 60 } } }, 1);
    const started = Date.now();
    for (const n of [0, 1]) {
      let ok = false;
      while (!ok && Date.now() - started < 2000) {
        ok = admitted(await call(key.token, n));
        if (!ok) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(ok, `replica ${n} still refuses: ${JSON.stringify((await call(key.token, n)).body)}`);
    }
    assert.ok(Date.now() - started <= 1000, `the change took ${Date.now() - started} ms`);
  });

  it('shows the model a refusal it can act on, through the official client', async () => {
    const key = await newKey({ key: { limit: 1, window_s: 60 } });
    const client = new Client({ name: 'sdk', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(replicas[0]!.mcpUrl, {
        requestInit: { headers: { authorization: `Bearer ${key.token}` } },
      }),
    );
    // initialize spent the budget of 1; the call is refused as a tool result, not a protocol error.
    const result = await client.callTool({ name: 'echo_echo', arguments: { text: 'x' } });
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /retry in \d+ s/);
    await client.close();
  });
});
