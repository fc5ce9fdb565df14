/**
 * SIGTERM drains: a call in flight finishes with its result, open notification streams do not hold the
 * process, and the process exits by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type GatewayProcess, spawnGateway } from '../support/gateway-harness.ts';

describe('graceful shutdown', { timeout: 60_000 }, () => {
  let upstream: EchoUpstream;
  let gateway: GatewayProcess;

  before(async () => {
    upstream = await startEchoUpstream({ name: 'echo' });
    gateway = await spawnGateway(baseEnv([{ name: 'echo', url: upstream.url }], { LOG_LEVEL: 'warn' }));
  });
  after(async () => {
    await gateway?.stop('SIGKILL');
    await upstream?.close();
  });

  it('finishes the call in flight, then exits', async () => {
    const token = /first API key: (sb_\S+)/.exec(gateway.output())?.[1];
    assert.ok(token, 'the banner prints a first key on an empty store');
    const client = new Client({ name: 'drain', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(gateway.mcpUrl, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    await new Promise((r) => setTimeout(r, 200)); // the client's GET stream is open now
    const call = client.callTool({ name: 'echo_slow', arguments: { steps: 20 } });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
    gateway.child.kill('SIGTERM');
    const result = await call;
    assert.deepEqual(result.content, [{ type: 'text', text: 'done 20' }]);
    const started = Date.now();
    assert.equal(await exited, 0);
    assert.ok(Date.now() - started < 5000, 'the process exits promptly once drained');
    await client.close().catch(() => undefined);
  });
});
