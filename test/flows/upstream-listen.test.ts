/**
 * How the gateway follows an upstream's list changes, against servers that do it differently: some announce
 * nothing, some have no `subscriptions/listen`, the official SDK acknowledges a subscription it honours
 * nothing of and completes it at once, and a broken proxy may close every stream it is given (a 2026-07-28
 * listen, a 2025-era GET stream). None of these may make the gateway reopen in a loop: before this was
 * handled, a 2026-07-28 upstream that closed its listen streams got about 2,000 `server/discover` +
 * `tools/list` + `subscriptions/listen` a second, and a 2025-era one a GET as fast as it could answer.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually } from '@switchboard/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { baseEnv, type RunningGateway, startGateway } from '../support/gateway-harness.ts';

type ListenBehaviour = 'method-not-found' | 'honours-nothing' | 'closes-at-once' | 'fails' | 'streams';

interface FakeModernUpstream {
  url: string;
  /** Requests received, by JSON-RPC method. */
  counts: Record<string, number>;
  /** Sends `notifications/tools/list_changed` on the open listen stream (behaviour `streams`). */
  announce(): void;
  close(): Promise<void>;
}

async function startFakeModernUpstream(options: {
  listChanged: boolean;
  listen: ListenBehaviour;
  tools?: () => string[];
}): Promise<FakeModernUpstream> {
  const counts: Record<string, number> = {};
  const open = new Set<(frame: string) => void>();
  const app: FastifyInstance = Fastify();
  const sse = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;
  app.post('/mcp', async (request, reply) => {
    const body = request.body as { id: string; method: string };
    counts[body.method] = (counts[body.method] ?? 0) + 1;
    const answer = (result: unknown) => ({ jsonrpc: '2.0', id: body.id, result });
    if (body.method === 'server/discover') {
      return answer({
        supportedVersions: ['2026-07-28'],
        capabilities: { tools: options.listChanged ? { listChanged: true } : {} },
        serverInfo: { name: 'fake', version: '1' },
      });
    }
    if (body.method === 'tools/list') {
      const names = options.tools?.() ?? ['one'];
      return answer({
        tools: names.map((name) => ({ name, inputSchema: { type: 'object' } })),
        resultType: 'complete',
      });
    }
    if (body.method !== 'subscriptions/listen' || options.listen === 'method-not-found') {
      return { jsonrpc: '2.0', id: body.id, error: { code: -32601, message: 'Method not found' } };
    }
    if (options.listen === 'fails') return reply.code(503).send({ error: 'unavailable' });
    if (options.listen === 'closes-at-once') {
      reply.header('content-type', 'text/event-stream');
      return '';
    }
    if (options.listen === 'honours-nothing') {
      reply.header('content-type', 'text/event-stream');
      return (
        sse({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: {} } }) +
        sse(answer({ resultType: 'complete' }))
      );
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
    reply.raw.write(
      sse({
        jsonrpc: '2.0',
        method: 'notifications/subscriptions/acknowledged',
        params: { notifications: { toolsListChanged: true } },
      }),
    );
    const write = (frame: string) => reply.raw.write(frame);
    open.add(write);
    reply.raw.on('close', () => open.delete(write));
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `${address}/mcp`,
    counts,
    announce: () => {
      for (const write of open) write(sse({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
    },
    close: () => app.close(),
  };
}

/** A 2025-era Streamable HTTP server whose GET stream (for its notifications) ends as soon as it opens. */
async function startClosingLegacyUpstream() {
  const counts: Record<string, number> = {};
  const app = Fastify();
  app.post('/mcp', async (request, reply) => {
    const body = request.body as { id?: string; method: string };
    counts[body.method] = (counts[body.method] ?? 0) + 1;
    if (body.id === undefined) return reply.code(202).send();
    if (body.method === 'initialize') {
      reply.header('mcp-session-id', 'the-session');
      return {
        jsonrpc: '2.0',
        id: body.id,
        result: {
          protocolVersion: '2025-11-25',
          capabilities: { tools: { listChanged: true } },
          serverInfo: { name: 'closing', version: '1' },
        },
      };
    }
    if (body.method === 'tools/list') {
      return { jsonrpc: '2.0', id: body.id, result: { tools: [{ name: 'one', inputSchema: { type: 'object' } }] } };
    }
    return { jsonrpc: '2.0', id: body.id, error: { code: -32601, message: 'Method not found' } };
  });
  app.get('/mcp', async (_request, reply) => {
    counts['GET'] = (counts['GET'] ?? 0) + 1;
    return reply.header('content-type', 'text/event-stream').send('');
  });
  app.delete('/mcp', async (_request, reply) => reply.code(204).send());
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${address}/mcp`, counts, close: () => app.close() };
}

describe('following a 2025-era upstream’s notifications', { timeout: 60_000 }, () => {
  it('backs off from a server that closes its GET stream at once', async () => {
    const upstream = await startClosingLegacyUpstream();
    const gw = await startGateway(baseEnv([{ name: 'closing', url: upstream.url, auth: 'none' }] as never));
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.ok(gw.gateway.registry.tools.has('closing_one'));
      // 500 + 1,000 ms of backoff fit in the 2 s: at most 3 GETs, where a loop made hundreds.
      const gets = upstream.counts['GET'] ?? 0;
      assert.ok(gets >= 2 && gets <= 3, `GET ${gets} times in 2 s`);
      assert.equal(upstream.counts['initialize'], 1, 'the session is kept');
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('following a 2026-07-28 upstream’s list changes', { timeout: 60_000 }, () => {
  const running: { gw: RunningGateway; upstream: FakeModernUpstream }[] = [];
  after(async () => {
    for (const { gw, upstream } of running) {
      await gw.close();
      await upstream.close();
    }
  });

  async function behind(options: Parameters<typeof startFakeModernUpstream>[0]) {
    const upstream = await startFakeModernUpstream(options);
    const gw = await startGateway(baseEnv([{ name: 'fake', url: upstream.url, auth: 'none' }] as never));
    running.push({ gw, upstream });
    return { upstream, gw };
  }
  const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));
  /** Waits for the first request of `method` (an event, whatever the load), then watches for 2 s more. */
  async function afterFirst(upstream: FakeModernUpstream, method: string) {
    await eventually(() => (upstream.counts[method] ?? 0) > 0, 10_000, `a first ${method}`);
    await settle();
  }

  it('does not listen to an upstream that announces no list changes', async () => {
    const { upstream, gw } = await behind({ listChanged: false, listen: 'streams' });
    await afterFirst(upstream, 'tools/list');
    assert.ok(gw.gateway.registry.tools.has('fake_one'));
    assert.deepEqual(upstream.counts, { 'server/discover': 1, 'tools/list': 1 });
  });

  for (const listen of ['method-not-found', 'honours-nothing'] as const) {
    it(`asks once, then relies on its refresh timer, when the upstream answers the listen with ${listen}`, async () => {
      const { upstream, gw } = await behind({ listChanged: true, listen });
      await afterFirst(upstream, 'subscriptions/listen');
      assert.ok(gw.gateway.registry.tools.has('fake_one'));
      assert.deepEqual(upstream.counts, { 'server/discover': 1, 'tools/list': 1, 'subscriptions/listen': 1 });
    });
  }

  for (const listen of ['closes-at-once', 'fails'] as const) {
    it(`backs off, up to 10 s between tries, from an upstream whose every listen ${listen}`, async () => {
      const { upstream } = await behind({ listChanged: true, listen });
      await settle();
      // 250 + 500 + 1,000 ms of backoff fit in the 2 s: at most 4 negotiations, where a loop made thousands.
      const discovers = upstream.counts['server/discover'] ?? 0;
      assert.ok(discovers >= 2 && discovers <= 4, `server/discover ${discovers} times in 2 s`);
    });
  }

  it('still reads the lists again when a listening upstream announces a change', async () => {
    let names = ['one'];
    const { upstream, gw } = await behind({ listChanged: true, listen: 'streams', tools: () => names });
    const registry = gw.gateway.registry;
    const changed = new Promise<void>((resolve) => registry.once('changed', () => resolve()));
    while ((upstream.counts['subscriptions/listen'] ?? 0) === 0) await new Promise((r) => setTimeout(r, 20));
    names = ['one', 'two'];
    upstream.announce();
    await changed;
    assert.ok(registry.tools.has('fake_two'));
    assert.equal(upstream.counts['server/discover'], 1, 'the same link, not a renegotiation');
  });
});
