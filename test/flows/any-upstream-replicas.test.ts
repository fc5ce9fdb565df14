/**
 * A 2025-era upstream behind two gateway replicas with no affinity: each replica keeps its own upstream
 * session, and an upstream's question to the caller (sampling) is answered across replicas, by a 2025-era
 * caller (its answer POSTed to the other replica) and by a 2026-07-28 caller (its retry sent to the other
 * replica while the upstream call is held on the first).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { startV1StreamableHttpServer, type V1StreamableHttpServer } from '../fixtures/v1-streamable-http-server.ts';
import { baseEnv, type GatewayProcess, spawnGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';
import { sampled } from '../support/host-answers.ts';

const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((b) => (b.type === 'text' ? b.text : '')).join('');

describe('a 2025-era upstream behind two replicas', { timeout: 120_000 }, () => {
  let redis: TestRedisServer;
  let upstream: V1StreamableHttpServer;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let token: string;
  const served: string[] = [];

  before(async () => {
    redis = await startRedisServer();
    upstream = await startV1StreamableHttpServer();
    const env = baseEnv([], {
      GATEWAY_UPSTREAMS: JSON.stringify([{ name: 'v1', url: upstream.url, auth: 'none' }]),
      REDIS_URL: redis.url,
      GATEWAY_REPLICAS: '2',
      LOG_LEVEL: 'warn',
    });
    a = await spawnGateway(env);
    b = await spawnGateway(env);
    const response = await fetch(`${a.adminUrl}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'replicas', scopes: ['*'] }),
    });
    token = ((await response.json()) as { token: string }).token;
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await upstream?.close();
    await redis?.stop();
  });

  /** Every HTTP request goes to the other replica than the one before. */
  const alternate: typeof fetch = (() => {
    let turn = 0;
    return async (input, init) => {
      const target = turn++ % 2 === 0 ? a : b;
      served.push(target === a ? 'a' : 'b');
      const url = new URL(String(input instanceof Request ? input.url : input));
      url.port = target.mcpUrl.port;
      return fetch(url, init);
    };
  })();
  const transportOptions = () => ({ requestInit: { headers: { authorization: `Bearer ${token}` } }, fetch: alternate });

  it('gives each replica its own upstream session and serves calls from both', async () => {
    const client = new LegacyClient({ name: 'alternating-v1', version: '1.0.0' });
    await client.connect(new LegacyTransport(a.mcpUrl, transportOptions()));
    for (let i = 0; i < 4; i++)
      assert.equal(textOf(await client.callTool({ name: 'v1_echo', arguments: { text: `${i}` } })), `${i}`);
    assert.equal(upstream.sessions(), 2, 'one upstream session per replica');
    await client.close();
  });

  it('carries a 2025-era caller’s answer to the replica that holds the call', async () => {
    const client = new LegacyClient({ name: 'alternating-v1', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => sampled('across'));
    await client.connect(new LegacyTransport(a.mcpUrl, transportOptions()));
    for (let i = 0; i < 2; i++) {
      const result = await client.callTool({ name: 'v1_ask_sampling', arguments: { prompt: 'x' } });
      assert.equal(textOf(result), 'model says: across');
    }
    await client.close();
  });

  it('resumes a held call for a 2026-07-28 caller whose retry reaches the other replica', async () => {
    const client = new ModernClient(
      { name: 'alternating-v2', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' }, capabilities: { sampling: {} } },
    );
    client.setRequestHandler('sampling/createMessage', async () => sampled('held'));
    await client.connect(new ModernTransport(a.mcpUrl, transportOptions()));
    const before = served.length;
    for (let i = 0; i < 2; i++) {
      const result = await client.callTool({ name: 'v1_ask_sampling', arguments: { prompt: 'x' } });
      assert.equal(textOf(result), 'model says: held');
    }
    const used = new Set(served.slice(before));
    assert.deepEqual([...used].sort(), ['a', 'b'], 'the calls and their retries went to both replicas');
    await client.close();
  });
});
