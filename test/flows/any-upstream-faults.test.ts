/**
 * What goes wrong with other people's servers, and what the caller sees: a stdio server that dies mid-call,
 * a 2025-era server that restarts and forgets its sessions, a hosted server that stops accepting our
 * credentials, a gateway that is killed while it supervises a child.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readToolError } from '@switchboard/errors';
import { eventually } from '@switchboard/testing';
import { startV1SseServer } from '../fixtures/v1-sse-server.ts';
import { v1StdioServerCommand } from '../fixtures/v1-stdio-server.ts';
import { startV1StreamableHttpServer, type V1StreamableHttpServer } from '../fixtures/v1-streamable-http-server.ts';
import { baseEnv, type RunningGateway, spawnGateway, startGateway } from '../support/gateway-harness.ts';

async function client(url: URL, token: string) {
  const c = new Client({ name: 'faults-test', version: '1.0.0' });
  await c.connect(
    new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
  );
  return c;
}

const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((b) => (b.type === 'text' ? b.text : '')).join('');
const errorCode = (result: unknown) => readToolError(result as CallToolResult)?.code;

/** Processes of a process group that still exist (zombies included: they would show a reaping bug). */
function groupMembers(pgid: number): { pid: number; state: string }[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group]) => Number(group) === pgid)
    .map(([pid, , state]) => ({ pid: Number(pid), state: state ?? '' }));
}

const isZombie = (pid: number) =>
  existsSync(`/proc/${pid}/stat`) && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');

describe('faults of upstreams the gateway did not write', () => {
  let http: V1StreamableHttpServer;
  let hosted: V1StreamableHttpServer;
  let gw: RunningGateway;
  let token: string;

  before(async () => {
    http = await startV1StreamableHttpServer();
    hosted = await startV1StreamableHttpServer({ requireBearer: 'right-token' });
    const stdio = v1StdioServerCommand();
    gw = await startGateway(
      baseEnv([], {
        GATEWAY_UPSTREAMS: JSON.stringify([
          { name: 'local', transport: 'stdio', command: stdio.command, args: stdio.args },
          { name: 'v1', url: http.url, auth: 'none' },
          { name: 'hosted', url: hosted.url, auth: { bearer: { env: 'HOSTED_TOKEN' } } },
        ]),
        HOSTED_TOKEN: 'right-token',
      }),
    );
    token = (await gw.createKey()).token;
  });
  after(async () => {
    await gw.close();
    await Promise.allSettled([http.close(), hosted.close()]);
  });

  it('answers a stdio server crash mid-call with a clear error, restarts it, and leaves no process behind', async () => {
    const upstream = gw.gateway.registry.byName('local')!;
    const first = upstream.pid!;
    assert.ok(first > 0);
    const c = await client(gw.mcpUrl, token);
    const crashed = await c.callTool({ name: 'local_crash', arguments: {} });
    assert.equal(crashed.isError, true);
    assert.equal(errorCode(crashed), 'UPSTREAM_UNAVAILABLE');
    assert.match(textOf(crashed), /local server's session ended \(the process exited/);

    await eventually(() => upstream.pid !== undefined && upstream.pid !== first && upstream.state === 'ready');
    const again = await c.callTool({ name: 'local_echo', arguments: { text: 'back' } });
    assert.equal(textOf(again), 'back');
    await eventually(() => groupMembers(first).length === 0);
    assert.equal(isZombie(first), false);
    await c.close();
  });

  it('re-initializes transparently when a 2025-era server restarts and forgets its sessions', async () => {
    const c = await client(gw.mcpUrl, token);
    assert.equal(textOf(await c.callTool({ name: 'v1_echo', arguments: { text: 'one' } })), 'one');
    const sessionsBefore = http.sessions();
    await http.restart();
    assert.equal(http.sessions(), 0);
    const after = await c.callTool({ name: 'v1_echo', arguments: { text: 'two' } });
    assert.equal(after.isError, undefined, textOf(after));
    assert.equal(textOf(after), 'two');
    assert.equal(http.sessions(), 1, `one new upstream session (had ${sessionsBefore})`);
    await c.close();
  });

  it('turns a 401 from a hosted server into UPSTREAM_AUTH naming the variable to fix', async () => {
    const c = await client(gw.mcpUrl, token);
    assert.equal(textOf(await c.callTool({ name: 'hosted_echo', arguments: { text: 'ok' } })), 'ok');
    // The server's token is rotated on its side: the same port now wants another one.
    const port = hosted.port;
    await hosted.close();
    hosted = await startV1StreamableHttpServer({ port, requireBearer: 'rotated-token' });
    const refused = await c.callTool({ name: 'hosted_echo', arguments: { text: 'no' } });
    assert.equal(refused.isError, true);
    assert.equal(errorCode(refused), 'UPSTREAM_AUTH');
    assert.match(textOf(refused), /HOSTED_TOKEN/);
    assert.ok(!JSON.stringify(refused).includes('right-token'), 'the credential never reaches the caller');
    await c.close();
  });

  it('reports a bad entry per upstream at start and on /readyz, and serves the others', async () => {
    const broken = await startGateway(
      baseEnv([], {
        GATEWAY_UPSTREAMS: JSON.stringify([
          { name: 'v1', url: http.url, auth: 'none' },
          { name: 'typo', transport: 'carrier-pigeon', url: 'http://127.0.0.1:9/mcp' },
          { name: 'nokey', url: http.url, headers: { 'x-api-key': { env: 'NOT_SET_ANYWHERE' } } },
          { name: 'gone', url: 'http://127.0.0.1:9/mcp', auth: 'none' },
        ]),
      }),
    );
    try {
      const ready = (await (await fetch(new URL('/readyz', broken.mcpUrl))).json()) as {
        status: string;
        upstreams: Record<string, { state: string; problems?: string[]; error?: string }>;
      };
      assert.equal(ready.status, 'ready');
      assert.equal(ready.upstreams['v1']?.state, 'ready');
      assert.equal(ready.upstreams['typo']?.state, 'misconfigured');
      assert.match(
        ready.upstreams['typo']?.problems?.[0] ?? '',
        /transport must be one of streamable-http, sse, stdio/,
      );
      assert.equal(ready.upstreams['nokey']?.state, 'misconfigured');
      assert.match(ready.upstreams['nokey']?.problems?.[0] ?? '', /NOT_SET_ANYWHERE is not set/);
      assert.equal(ready.upstreams['gone']?.state, 'down');
      assert.match(ready.upstreams['gone']?.error ?? '', /cannot be reached/);
      const { token: key } = await broken.createKey();
      const c = await client(broken.mcpUrl, key);
      assert.equal(textOf(await c.callTool({ name: 'v1_echo', arguments: { text: 'fine' } })), 'fine');
      await c.close();
    } finally {
      await broken.close();
    }
  });
});

describe('an HTTP+SSE server whose event stream drops', () => {
  it('fails the calls of the lost session as retryable, reconnects by itself, and serves again', async () => {
    let sse = await startV1SseServer();
    const gw = await startGateway(
      baseEnv([], {
        GATEWAY_UPSTREAMS: JSON.stringify([{ name: 'old', transport: 'sse', url: sse.url, auth: 'none' }]),
      }),
    );
    try {
      const c = await client(gw.mcpUrl, (await gw.createKey()).token);
      assert.equal(textOf(await c.callTool({ name: 'old_echo', arguments: { text: 'before' } })), 'before');
      const port = sse.port;
      await sse.close();
      const during = await c.callTool({ name: 'old_echo', arguments: { text: 'during' } });
      assert.equal(during.isError, true);
      assert.equal(readToolError(during as CallToolResult)?.retryable, true, textOf(during));
      sse = await startV1SseServer({ port });
      await eventually(() => gw.gateway.registry.byName('old')?.state === 'ready' && sse.sessions() === 1);
      assert.equal(textOf(await c.callTool({ name: 'old_echo', arguments: { text: 'after' } })), 'after');
      await c.close();
    } finally {
      await gw.close();
      await sse.close();
    }
  });
});

describe('credentials and sessions over a gateway’s lifetime', () => {
  it('gets an OAuth client-credentials token for an upstream, and DELETEs its upstream session on shutdown', async () => {
    let issued = 0;
    const tokenServer = createServer((req, res) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from('gw-client:cc-secret').toString('base64')}`;
      if (!ok) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
      issued++;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: 'cc-token', token_type: 'Bearer', expires_in: 3600 }));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));
    const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
    const upstream = await startV1StreamableHttpServer({ requireBearer: 'cc-token' });
    const gw = await startGateway(
      baseEnv([], {
        GATEWAY_UPSTREAMS: JSON.stringify([
          {
            name: 'cc',
            url: upstream.url,
            auth: {
              oauth_client_credentials: {
                token_url: tokenUrl,
                client_id: 'gw-client',
                client_secret: { env: 'CC_SECRET' },
              },
            },
          },
        ]),
        CC_SECRET: 'cc-secret',
      }),
    );
    try {
      const c = await client(gw.mcpUrl, (await gw.createKey()).token);
      assert.equal(textOf(await c.callTool({ name: 'cc_echo', arguments: { text: 'via cc' } })), 'via cc');
      assert.equal(issued, 1, 'one token for the probe, the session and the call');
      await c.close();
      assert.equal(upstream.sessions(), 1);
    } finally {
      await gw.close();
    }
    assert.equal(upstream.deletedSessions, 1, 'the gateway ended its upstream session on shutdown');
    assert.equal(upstream.sessions(), 0);
    await upstream.close();
    tokenServer.close();
  });
});

describe('a gateway that dies while it supervises a stdio server', () => {
  it('takes the server down with it, even on SIGKILL', async () => {
    const stdio = v1StdioServerCommand();
    const gateway = await spawnGateway(
      baseEnv([], {
        GATEWAY_UPSTREAMS: JSON.stringify([
          { name: 'local', transport: 'stdio', command: stdio.command, args: stdio.args },
        ]),
        LOG_LEVEL: 'info',
      }),
    );
    let pid = 0;
    await eventually(async () => {
      const ready = (await (await fetch(new URL('/readyz', gateway.mcpUrl))).json()) as {
        upstreams: Record<string, { pid?: number; state: string }>;
      };
      pid = ready.upstreams['local']?.pid ?? 0;
      return pid > 0 && ready.upstreams['local']?.state === 'ready';
    });
    assert.ok(groupMembers(pid).length >= 2, 'the guard and the server run in their own group');
    await gateway.stop('SIGKILL');
    await eventually(() => groupMembers(pid).length === 0, 8_000);
  });
});
