/**
 * What Claude's connector is known to send, each of which a strict server refuses: a `server/discover`
 * probe, a 2026-07-28 version header on a session negotiated as 2025-11-25, an `Accept` with one type or
 * `*\/*`, a second `initialize`, and notifications without a session id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type RunningGateway, startGateway } from '../support/gateway-harness.ts';
import { MODERN_ENVELOPE } from '../support/mcp-requests.ts';

describe("Claude's connector quirks", () => {
  let upstream: EchoUpstream;
  let gw: RunningGateway;
  let token: string;

  before(async () => {
    upstream = await startEchoUpstream({ name: 'echo' });
    gw = await startGateway(baseEnv([{ name: 'echo', url: upstream.url }]));
    token = (await gw.createKey()).token;
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(gw.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  async function readMessage(response: Response): Promise<any> {
    const text = await response.text();
    if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const data = text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => JSON.parse(l.slice(6)));
      return data.find((m) => 'result' in m || 'error' in m);
    }
    return JSON.parse(text);
  }

  const initialize = (accept: string) =>
    post(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'claude-ai', version: '0.1.0' },
        },
      },
      { accept },
    );

  it('answers a server/discover probe with the 2026-07-28 advertisement', async () => {
    const response = await post(
      { jsonrpc: '2.0', id: 'probe', method: 'server/discover', params: { _meta: MODERN_ENVELOPE } },
      {
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'server/discover',
      },
    );
    assert.equal(response.status, 200);
    const message = await readMessage(response);
    assert.ok(message.result.supportedVersions.includes('2026-07-28'));
    assert.equal(message.result.capabilities.tools.listChanged, true);
  });

  for (const accept of ['application/json', 'text/event-stream', '*/*']) {
    it(`initializes and calls with Accept: ${accept}`, async () => {
      const init = await initialize(accept);
      assert.equal(init.status, 200);
      const type = init.headers.get('content-type') ?? '';
      if (accept === 'application/json') assert.match(type, /application\/json/);
      if (accept === 'text/event-stream') assert.match(type, /text\/event-stream/);
      assert.equal((await readMessage(init)).result.protocolVersion, '2025-11-25');
      const session = init.headers.get('mcp-session-id')!;
      const call = await post(
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo_echo', arguments: { text: accept } } },
        // The version header names the modern revision although the session is 2025-11-25.
        { accept, 'mcp-session-id': session, 'mcp-protocol-version': '2026-07-28' },
      );
      assert.equal(call.status, 200);
      assert.deepEqual((await readMessage(call)).result.content, [{ type: 'text', text: `echo:${accept}` }]);
      const list = await post(
        { jsonrpc: '2.0', id: 3, method: 'tools/list' },
        { accept, 'mcp-session-id': session, 'mcp-protocol-version': '2026-07-28' },
      );
      assert.equal(list.status, 200);
      assert.ok((await readMessage(list)).result.tools.length >= 2);
    });
  }

  it('accepts a second initialize and notifications without a session id', async () => {
    const first = await initialize('application/json, text/event-stream');
    const again = await post(
      {
        jsonrpc: '2.0',
        id: 9,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'claude-ai', version: '0.1.0' },
        },
      },
      {
        accept: 'application/json',
        'mcp-session-id': first.headers.get('mcp-session-id')!,
        'mcp-protocol-version': '2026-07-28',
      },
    );
    assert.equal(again.status, 200);
    assert.ok(again.headers.get('mcp-session-id'));
    const note = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { accept: 'application/json' });
    assert.equal(note.status, 202);
  });
});
