/**
 * The aggregating gateway end to end, as clients use it: the official SDK clients of both eras over HTTP,
 * two upstream MCP servers behind one gateway.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { eventually } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type RunningGateway, startGateway } from '../support/gateway-harness.ts';

const auth = (token: string) => ({ requestInit: { headers: { authorization: `Bearer ${token}` } } });

async function modernClient(url: URL, token: string) {
  const client = new ModernClient({ name: 'modern-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new ModernTransport(url, auth(token)));
  return client;
}

async function legacyClient(url: URL, token: string) {
  const client = new LegacyClient({ name: 'legacy-test', version: '1.0.0' });
  await client.connect(new LegacyTransport(url, auth(token)));
  return client;
}

describe('aggregating gateway', () => {
  let alpha: EchoUpstream;
  let beta: EchoUpstream;
  let betaPort: number;
  let gw: RunningGateway;
  let token: string;

  before(async () => {
    alpha = await startEchoUpstream({ name: 'alpha' });
    beta = await startEchoUpstream({ name: 'beta' });
    betaPort = Number(new URL(beta.url).port);
    gw = await startGateway(
      baseEnv([
        { name: 'alpha', url: alpha.url },
        { name: 'beta', url: beta.url },
      ]),
    );
    token = (await gw.createKey()).token;
  });
  after(async () => {
    await gw.close();
    await alpha.close();
    await beta.close();
  });

  it('aggregates both upstreams under prefixes for a modern (2026-07-28) client', async () => {
    const client = await modernClient(gw.mcpUrl, token);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, ['alpha_echo', 'alpha_slow', 'beta_echo', 'beta_slow']);
    const result = await client.callTool({ name: 'beta_echo', arguments: { text: 'hi' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'beta:hi' }]);
    const prompts = await client.listPrompts();
    assert.deepEqual(prompts.prompts.map((p) => p.name).sort(), ['alpha_greeting', 'beta_greeting']);
    const prompt = await client.getPrompt({ name: 'alpha_greeting', arguments: { who: 'Ada' } });
    assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'Hello Ada from alpha' });
    const read = await client.readResource({ uri: 'beta://readme' });
    assert.equal((read.contents[0] as { text: string }).text, 'readme of beta');
    await client.close();
  });

  it('serves a 2025-era client (SDK v1) with a session id, the same catalog and results', async () => {
    const client = await legacyClient(gw.mcpUrl, token);
    assert.equal(client.getServerVersion()?.name, 'switchboard');
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'alpha_echo'));
    const result = await client.callTool({ name: 'alpha_echo', arguments: { text: 'yo' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'alpha:yo' }]);
    assert.equal('resultType' in result, false, 'legacy results carry no modern resultType');
    await client.close();
  });

  it('streams progress with the client’s own token, in both eras', async () => {
    const modern = await modernClient(gw.mcpUrl, token);
    const seen: number[] = [];
    await modern.callTool(
      { name: 'alpha_slow', arguments: { steps: 3 } },
      { onprogress: (p) => seen.push(p.progress) },
    );
    assert.deepEqual(seen, [1, 2, 3]);
    await modern.close();

    const legacy = await legacyClient(gw.mcpUrl, token);
    const legacySeen: number[] = [];
    await legacy.callTool({ name: 'beta_slow', arguments: { steps: 4 } }, undefined, {
      onprogress: (p) => legacySeen.push(p.progress),
    });
    assert.deepEqual(legacySeen, [1, 2, 3, 4]);
    await legacy.close();
  });

  it('carries a 2025-era cancellation to the upstream handler', async () => {
    const client = await legacyClient(gw.mcpUrl, token);
    const controller = new AbortController();
    const call = client.callTool({ name: 'alpha_slow', arguments: { steps: 200, tag: 'legacy-cancel' } }, undefined, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort('user pressed stop'), 300);
    await assert.rejects(call);
    await eventually(() => alpha.cancelled.includes('legacy-cancel'));
    await client.close();
  });

  it('carries a modern cancellation (stream closed) to the upstream handler', async () => {
    const client = await modernClient(gw.mcpUrl, token);
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'beta_slow', arguments: { steps: 200, tag: 'modern-cancel' } },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(call);
    await eventually(() => beta.cancelled.includes('modern-cancel'));
    await client.close();
  });

  it('re-emits an upstream tools/list_changed to 2025-era clients on their GET stream', async () => {
    const client = await legacyClient(gw.mcpUrl, token);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      changed++;
    });
    // The SDK opens its GET stream after initialization; give it a moment before changing the list.
    await new Promise((r) => setTimeout(r, 300));
    alpha.addTool('fresh');
    await eventually(() => changed > 0);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'alpha_fresh'));
    await client.close();
  });

  it('refuses unknown tools with a JSON-RPC error and unknown sessions with 404', async () => {
    const client = await modernClient(gw.mcpUrl, token);
    await assert.rejects(client.callTool({ name: 'nope_tool', arguments: {} }), /Unknown tool: nope_tool/);
    await client.close();
    const response = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'not-a-session',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32001);
  });

  it('isolates a dead upstream: other tools keep working, its tools fail fast naming it, and it comes back', async () => {
    await beta.close();
    const client = await modernClient(gw.mcpUrl, token);
    const failed = await client.callTool({ name: 'beta_echo', arguments: { text: 'x' } });
    assert.equal(failed.isError, true);
    assert.match(JSON.stringify(failed.content), /beta/);
    const ok = await client.callTool({ name: 'alpha_echo', arguments: { text: 'x' } });
    assert.deepEqual(ok.content, [{ type: 'text', text: 'alpha:x' }]);
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'alpha_echo'));

    beta = await startEchoUpstream({ name: 'beta', port: betaPort });
    await eventually(async () => {
      const again = await client.callTool({ name: 'beta_echo', arguments: { text: 'back' } });
      return again.isError !== true;
    }, 15_000);
    await client.close();
  });
});
