/**
 * Gmail and Drive behind the gateway, as a team member meets them: the official SDK client with a team API
 * key, a connect link when the key has no Google account yet, the browser flow through the gateway's public
 * URL, then each key sees only its own mail and files; revoking a key deletes its grant.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { readToolError } from '@switchboard/errors';
import { freePort } from '@switchboard/testing';
import type { FastifyInstance } from 'fastify';
import { buildDriveServer, loadDriveConfig } from '../../apps/mcp-drive/src/index.ts';
import { buildGmailServer, loadGmailConfig } from '../../apps/mcp-gmail/src/index.ts';
import { type FakeGoogle, startFakeGoogle } from '../fakes/google/index.ts';
import { baseEnv, type RunningGateway, startGateway, TEST_ASSERTION_SECRET } from '../support/gateway-harness.ts';

describe('Gmail and Drive through the gateway', { timeout: 120_000 }, () => {
  let google: FakeGoogle;
  let gmail: FastifyInstance;
  let drive: FastifyInstance;
  let gw: RunningGateway;
  let publicUrl: string;
  /** `/internal/keys/<id>/deleted <status>` calls the tool servers received from the gateway. */
  const deletions: string[] = [];

  before(async () => {
    google = await startFakeGoogle();
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    const shared = {
      GOOGLE_TOKEN_URL: `${google.url}/token`,
      GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      CALLER_ASSERTION_SECRET: TEST_ASSERTION_SECRET,
      GATEWAY_PUBLIC_URL: publicUrl,
      LOG_LEVEL: 'silent',
    };
    gmail = buildGmailServer(loadGmailConfig({ ...shared, GMAIL_BASE_URL: google.url }));
    drive = buildDriveServer(loadDriveConfig({ ...shared, DRIVE_BASE_URL: google.url }));
    for (const app of [gmail, drive]) {
      app.addHook('onResponse', async (request, reply) => {
        if (request.url.startsWith('/internal/keys/')) deletions.push(`${request.url} ${reply.statusCode}`);
      });
    }
    const gmailUrl = await gmail.listen({ port: 0, host: '127.0.0.1' });
    const driveUrl = await drive.listen({ port: 0, host: '127.0.0.1' });
    gw = await startGateway(
      baseEnv(
        [
          { name: 'gmail', url: `${gmailUrl}/mcp`, connect: true },
          { name: 'drive', url: `${driveUrl}/mcp`, connect: true },
        ] as never,
        { GATEWAY_PORT: String(port), GATEWAY_PUBLIC_URL: publicUrl },
      ),
    );
  });
  after(async () => {
    await gw?.close();
    await gmail?.close();
    await drive?.close();
    await google?.close();
  });

  async function clientFor(token: string) {
    const client = new Client({ name: 'member', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new StreamableHTTPClientTransport(gw.mcpUrl, { requestInit: { headers: { authorization: `Bearer ${token}` } } }),
    );
    return client;
  }

  /** The browser's part: open the link on the public URL, consent at Google, come back through the gateway. */
  async function connectThroughGateway(connectUrl: string, email: string) {
    assert.ok(connectUrl.startsWith(`${publicUrl}/connect/`), `connect link on the public URL: ${connectUrl}`);
    const start = await fetch(connectUrl.replace('localhost', '127.0.0.1'), { redirect: 'manual' });
    assert.equal(start.status, 302);
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const callback = await google.approveAs(start.headers.get('location')!, email);
    assert.ok(callback.startsWith(`${publicUrl}/connect/`), `Google returns to the public URL: ${callback}`);
    const done = await fetch(callback.replace('localhost', '127.0.0.1'), { redirect: 'manual', headers: { cookie } });
    assert.equal(done.status, 200, await done.text());
  }

  const errorOf = (result: Awaited<ReturnType<Client['callTool']>>) => {
    const error = readToolError(result);
    assert.ok(error !== undefined, JSON.stringify(result));
    return { code: error.code, connect_url: String(error['connect_url']) };
  };

  it('links two keys to two Google accounts; each sees only its own mail and files', async () => {
    const alice = await gw.createKey(['gmail_*', 'drive_*']);
    const bob = await gw.createKey(['gmail_*', 'drive_*']);
    const aliceClient = await clientFor(alice.token);
    const bobClient = await clientFor(bob.token);

    const { tools } = await aliceClient.listTools();
    assert.ok(
      tools.some((t) => t.name === 'gmail_search_threads') && tools.some((t) => t.name === 'drive_search_files'),
    );

    const unlinked = await aliceClient.callTool({ name: 'gmail_search_threads', arguments: {} });
    assert.equal(unlinked.isError, true);
    assert.equal(errorOf(unlinked).code, 'CONNECT_REQUIRED');
    await connectThroughGateway(errorOf(unlinked).connect_url, google.accounts.alice.email);
    const bobUnlinked = await bobClient.callTool({ name: 'gmail_search_threads', arguments: {} });
    await connectThroughGateway(errorOf(bobUnlinked).connect_url, google.accounts.bob.email);

    const aliceMail = JSON.stringify(
      (await aliceClient.callTool({ name: 'gmail_search_threads', arguments: {} })).structuredContent,
    );
    const bobMail = JSON.stringify(
      (await bobClient.callTool({ name: 'gmail_search_threads', arguments: {} })).structuredContent,
    );
    assert.notEqual(aliceMail, bobMail);
    assert.ok(aliceMail.includes('thread'), aliceMail.slice(0, 200));

    // Drive has its own grant (least privilege): connect it too, then the files differ per account.
    const driveUnlinked = await aliceClient.callTool({ name: 'drive_search_files', arguments: {} });
    assert.equal(errorOf(driveUnlinked).code, 'CONNECT_REQUIRED');
    await connectThroughGateway(errorOf(driveUnlinked).connect_url, google.accounts.alice.email);
    const files = await aliceClient.callTool({ name: 'drive_search_files', arguments: {} });
    assert.notEqual(files.isError, true, JSON.stringify(files.content));

    // Revoking Bob's key deletes his grants on both tool servers, told by the gateway.
    await gw.gateway.keys.revoke(bob.id, { id: 'test' });
    const deadline = Date.now() + 3000;
    while (deletions.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(deletions.sort(), [
      `/internal/keys/${bob.id}/deleted 204`,
      `/internal/keys/${bob.id}/deleted 204`,
    ]);
    await aliceClient.close();
    await bobClient.close();
  });
});
