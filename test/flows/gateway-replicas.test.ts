/**
 * No sticky sessions: two gateway processes on one Redis serve one 2025-era session alternately, a session
 * survives the restart of the process that created it, and a cancellation, a DELETE or a key revocation made
 * through one process takes effect on the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type GatewayProcess, spawnGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';
import { modernRequest } from '../support/mcp-requests.ts';

describe('two gateway replicas, no affinity', { timeout: 120_000 }, () => {
  let redis: TestRedisServer;
  let upstream: EchoUpstream;
  let env: Record<string, string>;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let aPorts: { port: number; adminPort: number };
  let token: string;
  let keyId: string;
  /** Which replica served each request of the alternating client, in order. */
  const served: string[] = [];

  before(async () => {
    redis = await startRedisServer();
    upstream = await startEchoUpstream({ name: 'echo' });
    env = baseEnv([{ name: 'echo', url: upstream.url }], {
      REDIS_URL: redis.url,
      GATEWAY_REPLICAS: '2',
      LOG_LEVEL: 'warn',
    });
    a = await spawnGateway(env);
    b = await spawnGateway(env);
    aPorts = { port: Number(a.mcpUrl.port), adminPort: Number(new URL(a.adminUrl).port) };
    const response = await fetch(`${a.adminUrl}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'replica test', scopes: ['*'] }),
    });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { token: string; id: string };
    token = created.token;
    keyId = created.id;
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await upstream?.close();
    await redis?.stop();
  });

  /** A v1 (2025-era) client whose every HTTP request goes to the other replica than the one before. */
  async function alternatingClient() {
    let turn = 0;
    const alternate: typeof fetch = async (input, init) => {
      const target = turn++ % 2 === 0 ? a : b;
      served.push(target === a ? 'a' : 'b');
      const url = new URL(String(input instanceof Request ? input.url : input));
      url.port = target.mcpUrl.port;
      return fetch(url, init);
    };
    const client = new Client({ name: 'alternating', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(a.mcpUrl, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
        fetch: alternate,
      }),
    );
    return client;
  }

  it('serves one legacy session from both processes in turn', async () => {
    const client = await alternatingClient();
    for (let i = 0; i < 4; i++) {
      const result = await client.callTool({ name: 'echo_echo', arguments: { text: `n${i}` } });
      assert.deepEqual(result.content, [{ type: 'text', text: `echo:n${i}` }]);
    }
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'echo_slow'));
    assert.ok(served.includes('a') && served.includes('b'), `requests went to ${served.join('')}`);
    await client.close();
  });

  it('routes a cancellation that reaches the other replica to the call', async () => {
    const client = await alternatingClient();
    const controller = new AbortController();
    const call = client.callTool({ name: 'echo_slow', arguments: { steps: 200, tag: 'cross-replica' } }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort('stop'), 300);
    await assert.rejects(call);
    const deadline = Date.now() + 5000;
    while (!upstream.cancelled.includes('cross-replica') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(upstream.cancelled.includes('cross-replica'), 'the upstream never saw the cancellation');
    await client.close();
  });

  it('keeps the session when the process that created it restarts', async () => {
    const client = await alternatingClient();
    await client.callTool({ name: 'echo_echo', arguments: { text: 'before' } });
    await a.stop();
    a = await spawnGateway(env, aPorts);
    for (let i = 0; i < 2; i++) {
      const result = await client.callTool({ name: 'echo_echo', arguments: { text: `after${i}` } });
      assert.deepEqual(result.content, [{ type: 'text', text: `echo:after${i}` }]);
    }
    await client.close();
  });

  it('ends a session everywhere on DELETE', async () => {
    const init = await fetch(a.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
      }),
    });
    await init.text();
    const session = init.headers.get('mcp-session-id')!;
    assert.ok(session);
    const headers = {
      authorization: `Bearer ${token}`,
      'mcp-session-id': session,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    const deleted = await fetch(b.mcpUrl, { method: 'DELETE', headers });
    assert.equal(deleted.status, 200);
    await new Promise((r) => setTimeout(r, 200));
    const afterDelete = await fetch(a.mcpUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    assert.equal(afterDelete.status, 404);
  });

  it('refuses a revoked key on the other replica within one second', async () => {
    const list = () => modernRequest(a.mcpUrl, token, 'tools/list');
    assert.equal((await list()).status, 200, 'the key works (and is cached) on replica a');
    const revoked = await fetch(`${b.adminUrl}/admin/v1/keys/${keyId}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    assert.equal(revoked.status, 200);
    const started = Date.now();
    let status = 200;
    while (status !== 401 && Date.now() - started < 2000) {
      status = (await list()).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 401);
    assert.ok(Date.now() - started <= 1000, `revocation took ${Date.now() - started} ms to reach replica a`);
  });
});
