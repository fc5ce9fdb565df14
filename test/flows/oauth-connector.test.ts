/**
 * The connector flow end to end, as Claude runs it, driven by the official SDKs' OAuth support: a 401 from
 * /mcp starts discovery (PRM, then AS metadata), the client registers (dynamically, or with a client ID
 * metadata document), the "browser" consents with a team API key, the code is exchanged (PKCE, resource),
 * the tools are listed and called, the access token expires and is refreshed, and revoking the key ends it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ManualClock } from '../../apps/gateway/src/clock.ts';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import {
  CLAUDE_CALLBACK,
  HeadlessOAuthProvider,
  type HttpsFixture,
  type OAuthGateway,
  postForm,
  selfSignedCertificate,
  startHttpsServer,
  startOAuthGateway,
} from './oauth-harness.ts';

describe('Claude custom connector over OAuth', { timeout: 60_000 }, () => {
  const clock = new ManualClock(Date.now());
  const certificate = selfSignedCertificate();
  let upstream: EchoUpstream;
  let documents: HttpsFixture;
  let metadataUrl: string;
  let gw: OAuthGateway;

  before(async () => {
    upstream = await startEchoUpstream({ name: 'alpha' });
    // The client ID metadata document Claude would host at an https URL of its own.
    documents = await startHttpsServer(certificate, (_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.setHeader('cache-control', 'max-age=3600');
      response.end(
        JSON.stringify({
          client_id: metadataUrl,
          client_name: 'Claude',
          redirect_uris: [CLAUDE_CALLBACK],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    });
    metadataUrl = `https://localhost:${documents.port}/oauth/claude-client.json`;
    gw = await startOAuthGateway({
      upstreams: [{ name: 'alpha', url: upstream.url }],
      clock,
      env: {
        GATEWAY_OAUTH_CIMD_ALLOWED_HOSTS: `localhost:${documents.port}`,
        GATEWAY_OAUTH_CIMD_CA_FILE: certificate.certPath,
        GATEWAY_OAUTH_ACCESS_TOKEN_TTL_S: '300',
      },
    });
  });

  after(async () => {
    await gw?.close();
    await documents?.close();
    await upstream?.close();
    certificate.remove();
  });

  it('dynamic registration (SDK v2): discovery from the 401, consent, tools, refresh, revocation', async () => {
    const key = await gw.createKey(['alpha_*']);
    const provider = new HeadlessOAuthProvider({ apiKey: () => key.token });

    const first = new Client({ name: 'claude-ai', version: '1.0.0' });
    await assert.rejects(
      first.connect(new StreamableHTTPClientTransport(gw.mcpUrl, { authProvider: provider })),
      UnauthorizedError,
    );

    // The SDK registered dynamically and sent the browser to /authorize with everything Claude sends.
    const clientId = String(provider.clientInfo?.client_id);
    assert.match(clientId, /^sbc_/);
    const authorization = provider.authorizations[0];
    assert.ok(authorization);
    assert.equal(`${authorization.origin}${authorization.pathname}`, `${gw.base}/authorize`);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('resource'), `${gw.base}/mcp`);
    assert.equal(authorization.searchParams.get('redirect_uri'), CLAUDE_CALLBACK);

    // Consent sent the browser back to Claude's callback with the code, the state and the issuer (RFC 9207).
    assert.equal(provider.consent?.status, 303);
    assert.ok(provider.consent?.location?.href.startsWith(CLAUDE_CALLBACK));
    const callback = provider.callback;
    assert.ok(callback);
    assert.equal(callback.get('state'), provider.lastState);
    assert.equal(callback.get('iss'), gw.base);
    assert.match(callback.get('code') ?? '', /^sbac_/);

    const transport = new StreamableHTTPClientTransport(gw.mcpUrl, { authProvider: provider });
    await transport.finishAuth(callback);
    const tokens = provider.tokens();
    assert.ok(tokens?.access_token && tokens.refresh_token);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');

    const client = new Client({ name: 'claude-ai', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(gw.mcpUrl, { authProvider: provider }));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['alpha_echo', 'alpha_slow']);
    const result = await client.callTool({ name: 'alpha_echo', arguments: { text: 'over oauth' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'alpha:over oauth' }]);

    // The access token runs out; the next call gets a 401, the SDK refreshes (rotation) and retries.
    clock.advance(301_000);
    const again = await client.callTool({ name: 'alpha_echo', arguments: { text: 'after refresh' } });
    assert.deepEqual(again.content, [{ type: 'text', text: 'alpha:after refresh' }]);
    const refreshed = provider.tokens();
    assert.ok(refreshed);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(provider.authorizations.length, 1, 'refreshing needs no new consent');

    // Revoking the key ends the connection: the token is refused, and so is the refresh token.
    await gw.gateway.keys.revoke(key.id, { id: 'test' });
    const raw = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${refreshed.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    assert.equal(raw.status, 401);
    assert.match(
      raw.headers.get('www-authenticate') ?? '',
      /resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    assert.match(raw.headers.get('www-authenticate') ?? '', /revoked/);
    const refresh = await postForm(`${gw.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(refreshed.refresh_token),
      client_id: clientId,
    });
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
    await assert.rejects(client.callTool({ name: 'alpha_echo', arguments: { text: 'revoked' } }));
    await client.close().catch(() => undefined);
  });

  it('client ID metadata document (SDK v1, as 2025-era hosts run it): the URL is the client id', async () => {
    const key = await gw.createKey(['*']);
    const provider = new HeadlessOAuthProvider({ apiKey: () => key.token, clientMetadataUrl: metadataUrl });
    const fetchesBefore = documents.requests.length;

    const first = new LegacyClient({ name: 'claude-ai', version: '1.0.0' });
    await assert.rejects(first.connect(new LegacyTransport(gw.mcpUrl, { authProvider: provider as never })));
    assert.equal(provider.clientInfo?.client_id, metadataUrl, 'no registration: the metadata URL is the client id');
    assert.equal(provider.authorizations[0]?.searchParams.get('client_id'), metadataUrl);
    assert.equal(provider.consent?.status, 303, provider.consent?.html);
    const code = provider.callback?.get('code');
    assert.ok(code);
    assert.equal(provider.callback?.get('iss'), gw.base);

    const transport = new LegacyTransport(gw.mcpUrl, { authProvider: provider as never });
    await transport.finishAuth(code);
    const client = new LegacyClient({ name: 'claude-ai', version: '1.0.0' });
    await client.connect(new LegacyTransport(gw.mcpUrl, { authProvider: provider as never }));
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'alpha_echo'));
    const result = await client.callTool({ name: 'alpha_echo', arguments: { text: 'cimd' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'alpha:cimd' }]);

    // The document was fetched once for authorize, consent and token, then served from the cache.
    assert.equal(documents.requests.length - fetchesBefore, 1);
    assert.deepEqual(documents.requests.at(-1), '/oauth/claude-client.json');

    // Refresh works for the metadata-document client too (public client: no secret).
    const refresh = await postForm(`${gw.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(provider.tokens()?.refresh_token),
      client_id: metadataUrl,
      resource: `${gw.base}/mcp`,
    });
    assert.equal(refresh.status, 200);
    const rotated = (await refresh.json()) as {
      access_token: string;
      refresh_token: string;
      token_type: string;
      scope: string;
    };
    assert.equal(rotated.token_type, 'Bearer');
    assert.equal(rotated.scope, 'mcp');

    await gw.gateway.keys.revoke(key.id, { id: 'test' });
    const raw = await fetch(gw.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${rotated.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    assert.equal(raw.status, 401);
    await client.close();
  });

  it('pre-registered client ("Advanced settings": client id and secret from the admin API)', async () => {
    const created = await gw.admin('POST', '/admin/v1/oauth/clients', { name: 'Claude (team connector)' });
    assert.equal(created.status, 201);
    const { client_id, client_secret } = (await created.json()) as { client_id: string; client_secret: string };
    const key = await gw.createKey(['alpha_echo']);
    const provider = new HeadlessOAuthProvider({ apiKey: () => key.token, client: { client_id, client_secret } });

    await assert.rejects(
      new Client({ name: 'claude-ai', version: '1.0.0' }).connect(
        new StreamableHTTPClientTransport(gw.mcpUrl, { authProvider: provider }),
      ),
      UnauthorizedError,
    );
    assert.equal(provider.clientInfo?.client_id, client_id, 'no registration happened');
    assert.equal(provider.consent?.status, 303);
    const callback = provider.callback;
    assert.ok(callback);
    assert.ok(callback.get('code'));
    await new StreamableHTTPClientTransport(gw.mcpUrl, { authProvider: provider }).finishAuth(callback);
    const client = new Client({ name: 'claude-ai', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(gw.mcpUrl, { authProvider: provider }));
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      ['alpha_echo'],
      "the key's scopes decide the tools",
    );
    await client.close();

    // Without the secret the same client id gets nothing.
    const refresh = await postForm(`${gw.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: String(provider.tokens()?.refresh_token),
      client_id,
    });
    assert.equal(refresh.status, 401);
  });

  it('a registration repeated with the same metadata gets the same public client back', async () => {
    const register = () =>
      fetch(`${gw.base}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Claude',
          redirect_uris: [CLAUDE_CALLBACK],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: null,
        }),
      });
    const a = (await (await register()).json()) as Record<string, unknown>;
    const b = (await (await register()).json()) as Record<string, unknown>;
    assert.equal(a['client_id'], b['client_id']);
    assert.equal(a['client_secret'], undefined);
    assert.ok(
      Object.values(a).every((v) => v !== null),
      'no null fields in the registration response',
    );
    assert.equal(Number.isInteger(a['client_id_issued_at']), true);
  });
});
