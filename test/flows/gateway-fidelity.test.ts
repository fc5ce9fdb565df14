/**
 * What the gateway must not change, and what must not break it: results and tool definitions pass through
 * as the upstream wrote them (unknown fields, unknown content types, JSON Schema 2020-12 keywords), in both
 * eras; an upstream that answers garbage or never answers fails its own calls quickly and clearly, and
 * touches nothing else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readToolError } from '@switchboard/errors';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { RAW_RESULT, RAW_TOOL, type RawUpstream, startRawUpstream } from '../fixtures/raw-upstream.ts';
import { baseEnv, type RunningGateway, startGateway } from '../support/gateway-harness.ts';
import { modernRequest } from '../support/mcp-requests.ts';

describe('pass-through fidelity and failure isolation', { timeout: 60_000 }, () => {
  let raw: RawUpstream;
  let garbage: RawUpstream;
  let hanging: RawUpstream;
  let echo: EchoUpstream;
  let gw: RunningGateway;
  let token: string;

  before(async () => {
    raw = await startRawUpstream('ok');
    garbage = await startRawUpstream('ok');
    hanging = await startRawUpstream('ok');
    echo = await startEchoUpstream({ name: 'echo' });
    gw = await startGateway(
      baseEnv([
        { name: 'raw', url: raw.url },
        { name: 'garbage', url: garbage.url },
        { name: 'hanging', url: hanging.url, timeout_ms: 500 } as never,
        { name: 'echo', url: echo.url },
      ]),
    );
    token = (await gw.createKey()).token;
    // Both broken upstreams were fine at start (their tools are known), then broke.
    garbage.mode = 'garbage';
    hanging.mode = 'hang';
  });
  after(async () => {
    await gw.close();
    for (const u of [raw, garbage, hanging]) await u.close();
    await echo.close();
  });

  async function post(body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, json: (await response.json()) as any };
  }

  const modern = async (method: string, params: Record<string, unknown>, tool?: string) => {
    const reply = await modernRequest(gw.mcpUrl, token, method, {
      id: 'm1',
      ...(tool === undefined ? { params } : { tool, arguments: params['arguments'] as Record<string, unknown> }),
    });
    return { status: reply.status, headers: reply.headers, json: reply.body };
  };

  async function legacySession() {
    const init = await post({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fidelity', version: '1' } },
    });
    assert.equal(init.status, 200);
    assert.equal(init.json.result.protocolVersion, '2025-06-18');
    return { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
  }

  it('relays tool definitions untouched except for the namespaced name', async () => {
    const listed = await modern('tools/list', {});
    const tool = listed.json.result.tools.find((t: { name: string }) => t.name === 'raw_exotic');
    assert.deepEqual(tool, { ...RAW_TOOL, name: 'raw_exotic' });
  });

  it('relays a result with unknown fields and content types byte-for-byte in meaning, in both eras', async () => {
    const { _meta: upstreamMeta, ...rest } = RAW_RESULT;
    const { 'io.modelcontextprotocol/serverInfo': _upstreamIdentity, ...ownMeta } = upstreamMeta;

    const viaModern = await modern('tools/call', { name: 'raw_exotic', arguments: { at: { x: 1 } } }, 'raw_exotic');
    assert.equal(viaModern.status, 200);
    assert.deepEqual(viaModern.json.result, {
      ...rest,
      resultType: 'complete',
      // The gateway answers as itself: the upstream's identity is replaced by the gateway's.
      _meta: { ...ownMeta, 'io.modelcontextprotocol/serverInfo': { name: 'switchboard', version: '0.1.0' } },
    });

    const session = await legacySession();
    const viaLegacy = await post(
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'raw_exotic', arguments: { at: { x: 1 } } } },
      session,
    );
    assert.equal(viaLegacy.json.id, 7);
    assert.deepEqual(viaLegacy.json.result, { ...rest, _meta: ownMeta });
  });

  it('fails calls to an upstream answering garbage, or not at all, with a tool error naming it', async () => {
    const broken = await modern('tools/call', { name: 'garbage_exotic', arguments: {} }, 'garbage_exotic');
    assert.equal(broken.json.result.isError, true);
    assert.match(broken.json.result.content[0].text, /garbage/);
    assert.equal(readToolError(broken.json.result)?.code, 'UPSTREAM_ERROR');
    // The tool declares an outputSchema, which an error cannot match: the error is under _meta only.
    assert.equal(broken.json.result.structuredContent, undefined);

    const started = Date.now();
    const silent = await modern('tools/call', { name: 'hanging_exotic', arguments: {} }, 'hanging_exotic');
    assert.ok(Date.now() - started < 3000, 'the call is bounded by the upstream timeout');
    assert.equal(silent.json.result.isError, true);
    assert.equal(readToolError(silent.json.result)?.code, 'UPSTREAM_TIMEOUT');
    assert.match(silent.json.result.content[0].text, /hanging/);
  });

  it('keeps initialize, tools/list and the healthy upstreams working meanwhile', async () => {
    const session = await legacySession();
    const listed = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, session);
    assert.ok(listed.json.result.tools.some((t: { name: string }) => t.name === 'echo_echo'));
    const echoed = await post(
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo_echo', arguments: { text: 'still' } } },
      session,
    );
    assert.deepEqual(echoed.json.result.content, [{ type: 'text', text: 'echo:still' }]);
  });

  it('opens the circuit after repeated failures and says when to retry', async () => {
    let last: any;
    for (let i = 0; i < 6; i++)
      last = await modern('tools/call', { name: 'garbage_exotic', arguments: {} }, 'garbage_exotic');
    assert.equal(readToolError(last.json.result)?.code, 'UPSTREAM_UNAVAILABLE');
    assert.ok((readToolError(last.json.result)?.retry_after_s ?? 0) >= 1);
    const ready = (await (await fetch(new URL('/readyz', gw.mcpUrl))).json()) as any;
    assert.equal(ready.upstreams.garbage.circuit, 'open');
    assert.equal(ready.status, 'ready');
  });

  it('answers bad input with the prescribed errors and keeps serving', async () => {
    const send = (body: string, headers: Record<string, string> = {}) =>
      fetch(gw.mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...headers,
        },
        body,
      });
    const parse = await send('{"jsonrpc":');
    assert.equal(parse.status, 400);
    assert.equal(((await parse.json()) as any).error.code, -32700);
    const utf8 = await send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) as never);
    assert.equal(((await utf8.json()) as any).error.code, -32700);
    const noVersion = await send('{"id":1,"method":"tools/list"}');
    assert.equal(noVersion.status, 400);
    assert.equal(((await noVersion.json()) as any).error.code, -32600);
    const noMethod = await send('{"jsonrpc":"2.0","id":1}');
    assert.equal(noMethod.status, 400);
    const wrongType = await send('{"jsonrpc":"2.0","id":1,"method":42}');
    assert.equal(wrongType.status, 400);
    // A malformed handshake is refused as invalid params, and no session is opened for it.
    const badInit = await send('{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5}}');
    assert.equal(badInit.status, 200);
    assert.equal(badInit.headers.get('mcp-session-id'), null);
    const badInitError = ((await badInit.json()) as any).error;
    assert.equal(badInitError.code, -32602);
    assert.match(badInitError.message, /protocolVersion/);
    const batch = await send('[{"jsonrpc":"2.0","id":1,"method":"ping"}]');
    assert.equal(batch.status, 400);
    const huge = await send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } }),
    );
    assert.equal(huge.status, 413);
    const text = await send('hello', { 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    // Found by the fuzz suite: PUT, PATCH and OPTIONS got Fastify's own 404 or 415 bodies, not JSON-RPC.
    for (const method of ['PUT', 'PATCH', 'OPTIONS']) {
      const other = await fetch(gw.mcpUrl, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        ...(method === 'OPTIONS' ? {} : { body: '{}' }),
      });
      assert.equal(other.status, 405, method);
      assert.equal(other.headers.get('allow'), 'GET, POST, DELETE');
      assert.equal(((await other.json()) as any).error.code, -32600, method);
    }
    const evil = await send('{"jsonrpc":"2.0","id":1,"method":"ping"}', { origin: 'https://evil.example.com' });
    assert.equal(evil.status, 403);
    const noKey = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(noKey.status, 401);
    const challenge = noKey.headers.get('www-authenticate') ?? '';
    assert.match(challenge, /^Bearer resource_metadata="http:\/\/[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
    assert.doesNotMatch(challenge, /error=/, 'no credentials sent: no error code (RFC 6750 §3.1)');
    const badKey = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: { authorization: 'Bearer sb_nope', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.match(badKey.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // Still serving after all of it.
    const ok = await modern('tools/call', { name: 'echo_echo', arguments: { text: 'alive' } }, 'echo_echo');
    assert.deepEqual(ok.json.result.content, [{ type: 'text', text: 'echo:alive' }]);
  });
});
