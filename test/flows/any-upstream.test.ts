/**
 * Any MCP server behind the gateway, not only our own: upstreams written with the official SDK v1 the way
 * nearly every server is written today (Streamable HTTP with sessions and SSE answers, the deprecated
 * HTTP+SSE transport, a stdio process the gateway launches), beside one of our 2026-07-28 servers, called by
 * SDK v1 and v2 clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { eventually } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { startV1SseServer, type V1SseServer } from '../fixtures/v1-sse-server.ts';
import { V1_STDIO_CREDENTIAL_ENV, v1StdioServerCommand } from '../fixtures/v1-stdio-server.ts';
import { startV1StreamableHttpServer, type V1StreamableHttpServer } from '../fixtures/v1-streamable-http-server.ts';
import { baseEnv, type RunningGateway, startGateway } from '../support/gateway-harness.ts';
import { answerAsHost, answerAsModernHost, ELICITED, HOST_CAPABILITIES, sampled } from '../support/host-answers.ts';

const auth = (token: string) => ({ requestInit: { headers: { authorization: `Bearer ${token}` } } });

async function legacyClient(url: URL, token: string) {
  const client = new LegacyClient({ name: 'legacy-test', version: '1.0.0' }, { capabilities: HOST_CAPABILITIES });
  answerAsHost(client);
  await client.connect(new LegacyTransport(url, auth(token)));
  return client;
}

async function modernClient(url: URL, token: string) {
  const client = new ModernClient({ name: 'modern-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(new ModernTransport(url, auth(token)));
  return client;
}

function textOf(result: unknown): string {
  return (result as CallToolResult).content.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join('');
}

/** Every 2025-era transport's sampling and elicitation, answered by the client's host handlers. */
async function assertQuestionsAnswered(client: {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
}) {
  for (const upstream of ['v1http', 'v1sse', 'v1stdio']) {
    const asked = await client.callTool({ name: `${upstream}_ask_sampling`, arguments: { prompt: 'hello' } });
    assert.equal(textOf(asked), sampled('hello').content.text, upstream);
    const elicited = await client.callTool({ name: `${upstream}_ask_elicitation`, arguments: { message: 'who?' } });
    assert.deepEqual(JSON.parse(textOf(elicited)), ELICITED, upstream);
  }
}

const STDIO_SECRET = 'stdio-secret-value';
const HEADER_SECRET = 'header-secret-value';

describe('any MCP server behind the gateway', () => {
  let sessions: V1StreamableHttpServer;
  let guarded: V1StreamableHttpServer;
  let sse: V1SseServer;
  let ours: EchoUpstream;
  let gw: RunningGateway;
  let token: string;
  const clients: { close(): Promise<void> }[] = [];

  before(async () => {
    sessions = await startV1StreamableHttpServer();
    guarded = await startV1StreamableHttpServer({ requireHeader: { name: 'x-api-key', value: HEADER_SECRET } });
    sse = await startV1SseServer();
    ours = await startEchoUpstream({ name: 'ours' });
    const stdio = v1StdioServerCommand();
    gw = await startGateway(
      baseEnv([], {
        GATEWAY_UPSTREAMS: JSON.stringify([
          { name: 'v1http', url: sessions.url, auth: 'none' },
          { name: 'keyed', url: guarded.url, auth: 'none', headers: { 'x-api-key': { env: 'KEYED_API_KEY' } } },
          { name: 'v1sse', transport: 'sse', url: sse.url, auth: 'none' },
          {
            name: 'v1stdio',
            transport: 'stdio',
            command: stdio.command,
            args: stdio.args,
            env: { [V1_STDIO_CREDENTIAL_ENV]: { env: 'STDIO_SECRET' } },
          },
          { name: 'ours', url: ours.url },
        ]),
        KEYED_API_KEY: HEADER_SECRET,
        STDIO_SECRET,
      }),
    );
    token = (await gw.createKey()).token;
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await gw.close();
    await Promise.allSettled([sessions.close(), guarded.close(), sse.close(), ours.close()]);
  });

  const v1 = async () => {
    const client = await legacyClient(gw.mcpUrl, token);
    clients.push(client);
    return client;
  };
  const v2 = async () => {
    const client = await modernClient(gw.mcpUrl, token);
    clients.push(client);
    return client;
  };

  it('negotiates per upstream and reports transport and revision on /readyz', async () => {
    const ready = (await (await fetch(new URL('/readyz', gw.mcpUrl))).json()) as {
      upstreams: Record<string, { state: string; transport: string; protocol?: string }>;
    };
    assert.deepEqual(
      Object.fromEntries(Object.entries(ready.upstreams).map(([n, u]) => [n, [u.state, u.transport, u.protocol]])),
      {
        v1http: ['ready', 'streamable-http', '2025-11-25'],
        keyed: ['ready', 'streamable-http', '2025-11-25'],
        v1sse: ['ready', 'sse', '2025-11-25'],
        v1stdio: ['ready', 'stdio', '2025-11-25'],
        ours: ['ready', 'streamable-http', '2026-07-28'],
      },
    );
  });

  for (const era of ['v1', 'v2'] as const) {
    it(`lists and calls every upstream's tools (${era} client)`, async () => {
      const client = era === 'v1' ? await v1() : await v2();
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const upstream of ['v1http', 'keyed', 'v1sse', 'v1stdio'])
        assert.ok(names.includes(`${upstream}_echo`), `${upstream}_echo listed: ${names.join(', ')}`);
      assert.ok(names.includes('ours_echo'));
      for (const upstream of ['v1http', 'keyed', 'v1sse', 'v1stdio']) {
        const result = await client.callTool({ name: `${upstream}_echo`, arguments: { text: `hi ${upstream}` } });
        assert.equal(textOf(result), `hi ${upstream}`);
        assert.deepEqual(result.structuredContent, { text: `hi ${upstream}` });
      }
      const failed = await client.callTool({ name: 'v1http_fail', arguments: {} });
      assert.equal(failed.isError, true);
    });

    it(`relays progress with the caller's own token (${era} client)`, async () => {
      const client = era === 'v1' ? await v1() : await v2();
      for (const upstream of ['v1http', 'v1sse', 'v1stdio']) {
        const progress: number[] = [];
        const params = { name: `${upstream}_slow`, arguments: { steps: 3, delay_ms: 20 } };
        const onprogress = (p: { progress: number }) => progress.push(p.progress);
        const done =
          client instanceof LegacyClient
            ? await client.callTool(params, undefined, { onprogress })
            : await client.callTool(params, { onprogress });
        assert.equal(textOf(done), 'done 3');
        // The v1 client may settle the call before handling a progress event that shares the result's chunk,
        // so the last step can be missing on the client's side; the first steps and their order cannot.
        assert.deepEqual(progress.slice(0, 2), [1, 2], upstream);
        assert.ok(
          progress.every((value, i) => value === i + 1),
          `${upstream}: ${progress.join(',')}`,
        );
      }
    });
  }

  it('passes cancellation to each kind of upstream', async () => {
    const client = await v1();
    for (const fixture of [sessions, sse]) {
      const name = fixture === sessions ? 'v1http_slow' : 'v1sse_slow';
      const before = fixture.stats.cancelled;
      const abort = new AbortController();
      const call = client.callTool({ name, arguments: { steps: 200, delay_ms: 20 } }, undefined, {
        signal: abort.signal,
      });
      setTimeout(() => abort.abort('user gave up'), 150);
      await assert.rejects(call);
      await fixture.state.whenCancelled(before + 1);
      assert.equal(fixture.stats.lastCancelReason, 'user gave up');
    }
  });

  it('relays log messages of a call on its stream', async () => {
    const client = await v1();
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params.data);
    });
    assert.equal(textOf(await client.callTool({ name: 'v1http_log', arguments: { count: 2 } })), 'logged 2');
    assert.deepEqual(logs, ['log 1 of 2', 'log 2 of 2']);
  });

  it("brings an upstream's sampling and elicitation requests to a 2025-era caller and their answers back", async () => {
    const client = await v1();
    await assertQuestionsAnswered(client);
  });

  it("asks a 2026-07-28 caller with input_required for a 2025-era upstream's sampling and elicitation", async () => {
    const client = new ModernClient(
      { name: 'modern-test', version: '1.0.0' },
      { versionNegotiation: { mode: 'auto' }, capabilities: HOST_CAPABILITIES },
    );
    answerAsModernHost(client);
    await client.connect(new ModernTransport(gw.mcpUrl, auth(token)));
    clients.push(client);
    await assertQuestionsAnswered(client);
  });

  it("re-emits an upstream's list_changed (from its GET stream) and serves the new list", async () => {
    const client = await v1();
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    await new Promise((r) => setTimeout(r, 200)); // the client opens its GET stream asynchronously
    await client.callTool({ name: 'v1http_toggle', arguments: {} });
    await eventually(async () => (await client.listTools()).tools.some((t) => t.name === 'v1http_extra_tool'));
    await eventually(() => changed > 0);
    await client.callTool({ name: 'v1http_toggle', arguments: {} });
    await eventually(async () => !(await client.listTools()).tools.some((t) => t.name === 'v1http_extra_tool'));
  });

  it('serves resources, templates, subscriptions, prompts and completion of 2025-era upstreams', async () => {
    const client = await v1();
    const { resources } = await client.listResources();
    assert.ok(resources.some((r) => r.uri === 'fixture://static'));
    const read = await client.readResource({ uri: 'fixture://items/7' });
    assert.ok(read.contents.length > 0);
    const { prompts } = await client.listPrompts();
    assert.ok(prompts.some((p) => p.name === 'v1http_greeting'));
    const prompt = await client.getPrompt({ name: 'v1http_greeting', arguments: { name: 'Ada' } });
    assert.match(JSON.stringify(prompt.messages), /Ada/);
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'v1http_greeting' },
      argument: { name: 'name', value: 'al' },
    });
    assert.deepEqual(completion.completion.values.sort(), ['alfred', 'alice']);

    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
      updates.push(n.params.uri);
    });
    await new Promise((r) => setTimeout(r, 200));
    await client.subscribeResource({ uri: 'fixture://static' });
    await client.callTool({ name: 'v1http_touch_resource', arguments: { uri: 'fixture://static' } });
    await eventually(() => updates.includes('fixture://static'));
  });

  it('sends credentials from named variables and never shows them to the caller', async () => {
    const client = await v1();
    const keyed = await client.callTool({ name: 'keyed_whoami', arguments: {} });
    assert.equal((keyed.structuredContent as { header: { value: string } }).header.value, HEADER_SECRET);
    const stdio = await client.callTool({ name: 'v1stdio_whoami', arguments: {} });
    assert.equal((stdio.structuredContent as { env: { value: string } }).env.value, STDIO_SECRET);
    const ready = await (await fetch(new URL('/readyz', gw.mcpUrl))).text();
    assert.ok(!ready.includes(HEADER_SECRET) && !ready.includes(STDIO_SECRET));
  });
});
