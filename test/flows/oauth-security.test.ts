/**
 * The front door refuses, with the OAuth error a client can act on, and stores nothing: missing or wrong
 * PKCE, replayed or expired codes, redirect URIs and resources that do not match, tokens for another
 * audience or issuer or of another kind, expired tokens (controllable clock), refresh-token reuse, metadata
 * documents on private addresses, and oversized or malformed registrations. "Stores nothing" is checked
 * against a private Redis: every front-door key and value is the same before and after the refusal.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { Redis } from 'ioredis';
import { importJWK, type JWK, SignJWT } from 'jose';
import { ManualClock } from '../../apps/gateway/src/clock.ts';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import {
  CLAUDE_CALLBACK,
  consentOverHttp,
  type HttpsFixture,
  hiddenFields,
  type OAuthGateway,
  postForm,
  registerPublicClient,
  selfSignedCertificate,
  startHttpsServer,
  startOAuthGateway,
} from './oauth-harness.ts';

const signingJwk = {
  ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as JWK),
  kid: 'test-signing-key',
  alg: 'ES256',
};

describe('OAuth front door refusals', { timeout: 90_000 }, () => {
  const clock = new ManualClock(Date.now());
  const certificate = selfSignedCertificate();
  let redis: TestRedisServer;
  let inspect: Redis;
  let upstream: EchoUpstream;
  let documents: HttpsFixture;
  let gw: OAuthGateway;
  let apiKey: { token: string; id: string };
  let publicClient: string;
  let resource: string;

  /** Every front-door key in Redis with its value. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of (await inspect.keys('sb:oauth:*')).sort()) {
      const type = await inspect.type(key);
      out[key] =
        type === 'hash'
          ? await inspect.hgetall(key)
          : type === 'set'
            ? (await inspect.smembers(key)).sort()
            : await inspect.get(key);
    }
    return out;
  }
  async function unchanged(action: () => Promise<void>): Promise<void> {
    const before = await snapshot();
    await action();
    assert.deepEqual(await snapshot(), before, 'a refused request changed stored state');
  }
  async function oauthError(response: Response, status: number, error: string): Promise<string> {
    assert.equal(response.status, status);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = (await response.json()) as { error: string; error_description: string };
    assert.equal(body.error, error, body.error_description);
    assert.equal(typeof body.error_description, 'string');
    return body.error_description;
  }
  const pkce = () => {
    const verifier = randomBytes(32).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  };
  const authorizeUrl = (params: Record<string, string | undefined>) => {
    const url = new URL(`${gw.base}/authorize`);
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
    return url;
  };
  const validParams = (challenge: string, overrides: Record<string, string | undefined> = {}) => ({
    response_type: 'code',
    client_id: publicClient,
    redirect_uri: CLAUDE_CALLBACK,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-123',
    resource,
    ...overrides,
  });
  async function code(challenge: string, clientId = publicClient): Promise<string> {
    const outcome = await consentOverHttp(authorizeUrl(validParams(challenge, { client_id: clientId })), apiKey.token);
    const value = outcome.location?.searchParams.get('code');
    assert.ok(value, `consent gave no code: ${outcome.status} ${outcome.html}`);
    return value;
  }
  async function tokens(clientId = publicClient): Promise<{ access_token: string; refresh_token: string }> {
    const { verifier, challenge } = pkce();
    const response = await postForm(`${gw.base}/token`, {
      grant_type: 'authorization_code',
      code: await code(challenge, clientId),
      redirect_uri: CLAUDE_CALLBACK,
      code_verifier: verifier,
      client_id: clientId,
      resource,
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { access_token: string; refresh_token: string };
  }
  const mcp = (token: string) =>
    fetch(gw.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
  async function forge(
    claims: Record<string, unknown>,
    options: { aud?: string; iss?: string; typ?: string; exp?: number } = {},
  ) {
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ client_id: publicClient, scope: 'mcp', sid: 'x', sb_sfp: 'y', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: signingJwk.kid, typ: options.typ ?? 'at+jwt' })
      .setIssuer(options.iss ?? gw.base)
      .setAudience(options.aud ?? resource)
      .setSubject(apiKey.id)
      .setIssuedAt(now)
      .setExpirationTime(options.exp ?? now + 300)
      .sign(await importJWK(signingJwk, 'ES256'));
  }

  before(async () => {
    redis = await startRedisServer();
    inspect = new Redis(redis.url);
    upstream = await startEchoUpstream({ name: 'alpha' });
    documents = await startHttpsServer(certificate, (_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ client_id: 'whatever', redirect_uris: [CLAUDE_CALLBACK] }));
    });
    gw = await startOAuthGateway({
      upstreams: [{ name: 'alpha', url: upstream.url }],
      clock,
      env: {
        REDIS_URL: redis.url,
        GATEWAY_OAUTH_SIGNING_KEY: JSON.stringify({ keys: [signingJwk] }),
        GATEWAY_OAUTH_CIMD_CA_FILE: certificate.certPath,
      },
    });
    resource = `${gw.base}/mcp`;
    apiKey = await gw.createKey(['*']);
    publicClient = await registerPublicClient(gw.base);
  });

  after(async () => {
    await gw?.close();
    inspect?.disconnect();
    await redis?.stop();
    await documents?.close();
    await upstream?.close();
    certificate.remove();
  });

  it('authorize: missing or plain PKCE, missing or foreign resource, wrong response type go back to the client', async () => {
    const { challenge } = pkce();
    const cases: [Record<string, string | undefined>, string, RegExp][] = [
      [{ code_challenge: undefined }, 'invalid_request', /PKCE/],
      [{ code_challenge_method: 'plain' }, 'invalid_request', /S256/],
      [{ code_challenge_method: undefined }, 'invalid_request', /S256/],
      [{ resource: undefined }, 'invalid_target', /resource is required/],
      [{ resource: 'https://other.example.com/mcp' }, 'invalid_target', /only for/],
      [{ response_type: 'token' }, 'unsupported_response_type', /code/],
    ];
    await unchanged(async () => {
      for (const [overrides, error, description] of cases) {
        const response = await fetch(authorizeUrl(validParams(challenge, overrides)), { redirect: 'manual' });
        assert.equal(response.status, 302, JSON.stringify(overrides));
        const location = new URL(response.headers.get('location') ?? '');
        assert.equal(`${location.origin}${location.pathname}`, CLAUDE_CALLBACK);
        assert.equal(location.searchParams.get('error'), error);
        assert.match(location.searchParams.get('error_description') ?? '', description);
        assert.equal(location.searchParams.get('state'), 'st-123');
        assert.equal(location.searchParams.get('iss'), gw.base);
      }
    });
  });

  it('authorize: an unregistered redirect URI, an unknown client or a repeated parameter is shown, never redirected', async () => {
    const { challenge } = pkce();
    await unchanged(async () => {
      for (const url of [
        authorizeUrl(validParams(challenge, { redirect_uri: 'https://evil.example.com/callback' })),
        authorizeUrl(validParams(challenge, { redirect_uri: 'https://claude.ai/api/mcp/auth_callback/../x' })),
        authorizeUrl(validParams(challenge, { client_id: 'sbc_unknownunknownunknownunknownunknownunknow' })),
        new URL(
          `${authorizeUrl(validParams(challenge)).href}&redirect_uri=${encodeURIComponent('https://evil.example.com/')}`,
        ),
      ]) {
        const response = await fetch(url, { redirect: 'manual' });
        assert.equal(response.status, 400, url.href);
        assert.equal(response.headers.get('location'), null);
        assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(await response.text(), /role="alert"/);
      }
    });
  });

  it('token: missing or wrong PKCE verifier, other redirect URI, other resource or client: refused, code kept', async () => {
    const { verifier, challenge } = pkce();
    const issued = await code(challenge);
    const other = await fetch(`${gw.base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Other',
        redirect_uris: [CLAUDE_CALLBACK, 'http://127.0.0.1/cb'],
        token_endpoint_auth_method: 'none',
      }),
    });
    const otherClient = ((await other.json()) as { client_id: string }).client_id;
    const base = {
      grant_type: 'authorization_code',
      code: issued,
      redirect_uri: CLAUDE_CALLBACK,
      client_id: publicClient,
      resource,
    };
    await unchanged(async () => {
      const { code_verifier: _, ...withoutVerifier } = { ...base, code_verifier: '' };
      assert.match(
        await oauthError(await postForm(`${gw.base}/token`, withoutVerifier), 400, 'invalid_request'),
        /PKCE/,
      );
      await oauthError(
        await postForm(`${gw.base}/token`, { ...base, code_verifier: pkce().verifier }),
        400,
        'invalid_grant',
      );
      await oauthError(await postForm(`${gw.base}/token`, { ...base, code_verifier: 'short' }), 400, 'invalid_request');
      await oauthError(
        await postForm(`${gw.base}/token`, { ...base, code_verifier: verifier, redirect_uri: 'http://127.0.0.1/cb' }),
        400,
        'invalid_grant',
      );
      await oauthError(
        await postForm(`${gw.base}/token`, {
          ...base,
          code_verifier: verifier,
          resource: 'https://other.example.com/mcp',
        }),
        400,
        'invalid_target',
      );
      await oauthError(
        await postForm(`${gw.base}/token`, { ...base, code_verifier: verifier, client_id: otherClient }),
        400,
        'invalid_grant',
      );
      await oauthError(
        await postForm(`${gw.base}/token`, {
          ...base,
          code_verifier: verifier,
          client_id: 'sbc_nonenonenonenonenonenonenonenonenonenonenon',
        }),
        401,
        'invalid_client',
      );
      await oauthError(
        await postForm(`${gw.base}/token`, { ...base, grant_type: 'password' }),
        400,
        'unsupported_grant_type',
      );
    });
    // None of the refusals used the code up: the real client still redeems it.
    const response = await postForm(`${gw.base}/token`, { ...base, code_verifier: verifier });
    assert.equal(response.status, 200);
  });

  it('token: a replayed code is refused and revokes what the first redemption issued', async () => {
    const { verifier, challenge } = pkce();
    const issued = await code(challenge);
    const fields = {
      grant_type: 'authorization_code',
      code: issued,
      redirect_uri: CLAUDE_CALLBACK,
      code_verifier: verifier,
      client_id: publicClient,
    };
    const first = await postForm(`${gw.base}/token`, fields);
    assert.equal(first.status, 200);
    const { refresh_token } = (await first.json()) as { refresh_token: string };
    assert.match(await oauthError(await postForm(`${gw.base}/token`, fields), 400, 'invalid_grant'), /already used/);
    const refresh = await postForm(`${gw.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token,
      client_id: publicClient,
    });
    await oauthError(refresh, 400, 'invalid_grant');
  });

  it('token: an expired code is refused (codes live 60 s)', async () => {
    const { verifier, challenge } = pkce();
    const issued = await code(challenge);
    clock.advance(61_000);
    await unchanged(async () => {
      const response = await postForm(`${gw.base}/token`, {
        grant_type: 'authorization_code',
        code: issued,
        redirect_uri: CLAUDE_CALLBACK,
        code_verifier: verifier,
        client_id: publicClient,
      });
      assert.match(await oauthError(response, 400, 'invalid_grant'), /expired/);
    });
  });

  it('refresh: reusing a rotated-out refresh token revokes the whole family', async () => {
    const first = await tokens();
    const rotate = (refresh_token: string) =>
      postForm(`${gw.base}/token`, { grant_type: 'refresh_token', refresh_token, client_id: publicClient });
    const second = await rotate(first.refresh_token);
    assert.equal(second.status, 200);
    const { refresh_token: current } = (await second.json()) as { refresh_token: string };
    assert.match(await oauthError(await rotate(first.refresh_token), 400, 'invalid_grant'), /already used/);
    // The thief's reuse cost the client its current token too: the family is gone.
    await oauthError(await rotate(current), 400, 'invalid_grant');
    await unchanged(async () => {
      await oauthError(await rotate(`sbrt_${'A'.repeat(22)}.${'B'.repeat(43)}`), 400, 'invalid_grant');
      await oauthError(await rotate('not-a-token'), 400, 'invalid_grant');
    });
  });

  it('revoke (RFC 7009): a revoked refresh token stops working; unknown tokens are not an error', async () => {
    const issued = await tokens();
    const revoke = await postForm(`${gw.base}/revoke`, { token: issued.refresh_token, client_id: publicClient });
    assert.equal(revoke.status, 200);
    const refresh = await postForm(`${gw.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: issued.refresh_token,
      client_id: publicClient,
    });
    await oauthError(refresh, 400, 'invalid_grant');
    assert.equal((await postForm(`${gw.base}/revoke`, { token: 'nonsense', client_id: publicClient })).status, 200);
  });

  it('/mcp: tokens for another audience or issuer, of another kind, badly signed or expired get 401; no mcp scope gets 403', async () => {
    const good = await tokens();
    assert.equal((await mcp(good.access_token)).status, 200);
    const challenge = (response: Response) => response.headers.get('www-authenticate') ?? '';
    const refusals: [string, RegExp][] = [
      [await forge({}, { aud: 'https://other.example.com/mcp' }), /another resource/],
      [await forge({}, { iss: 'https://issuer.example.com' }), /another authorization server/],
      [await forge({}, { typ: 'JWT' }), /not valid/],
      [`${good.access_token.slice(0, -4)}AAAA`, /not signed by this gateway/],
      [
        `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${good.access_token.split('.')[1]}.`,
        /./,
      ],
      [good.refresh_token, /neither/],
    ];
    for (const [token, reason] of refusals) {
      const response = await mcp(token);
      assert.equal(response.status, 401, token.slice(0, 40));
      assert.match(
        challenge(response),
        /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", scope="mcp", error="invalid_token"/,
      );
      assert.match(challenge(response), reason);
    }
    const noScope = await mcp(await forge({ scope: 'profile' }));
    assert.equal(noScope.status, 403);
    assert.match(challenge(noScope), /error="insufficient_scope"/);
    assert.match(challenge(noScope), /scope="mcp"/);
    assert.match(challenge(noScope), /resource_metadata="/);

    clock.advance(16 * 60 * 1000);
    const expired = await mcp(good.access_token);
    assert.equal(expired.status, 401);
    assert.match(challenge(expired), /expired/);
  });

  it('client ID metadata documents on private or loopback addresses are refused without being fetched', async () => {
    const { challenge } = pkce();
    await unchanged(async () => {
      for (const clientId of [
        `https://localhost:${documents.port}/client.json`,
        `https://127.0.0.1:${documents.port}/client.json`,
        `https://[::1]:${documents.port}/client.json`,
      ]) {
        const page = await fetch(authorizeUrl(validParams(challenge, { client_id: clientId })), { redirect: 'manual' });
        assert.equal(page.status, 400, clientId);
        assert.equal(page.headers.get('location'), null);
        assert.match(await page.text(), /private or special-purpose address/);
        const token = await postForm(`${gw.base}/token`, {
          grant_type: 'refresh_token',
          refresh_token: 'x',
          client_id: clientId,
        });
        assert.match(await oauthError(token, 401, 'invalid_client'), /private or special-purpose address/);
      }
    });
    assert.deepEqual(documents.requests, [], 'the document server was never contacted');
  });

  it('registration: oversized, malformed or unsafe metadata is refused and nothing is stored', async () => {
    const register = (body: string, type = 'application/json') =>
      fetch(`${gw.base}/register`, { method: 'POST', headers: { 'content-type': type }, body });
    await unchanged(async () => {
      await oauthError(
        await register(JSON.stringify({ redirect_uris: [CLAUDE_CALLBACK], client_name: 'x'.repeat(20_000) })),
        413,
        'invalid_client_metadata',
      );
      await oauthError(await register('{"redirect_uris": ['), 400, 'invalid_client_metadata');
      await oauthError(await register('[]'), 400, 'invalid_client_metadata');
      await oauthError(await register('{}'), 400, 'invalid_redirect_uri');
      await oauthError(
        await register(JSON.stringify({ redirect_uris: ['javascript:alert(1)'] })),
        400,
        'invalid_redirect_uri',
      );
      await oauthError(
        await register(JSON.stringify({ redirect_uris: ['http://claude.ai/callback'] })),
        400,
        'invalid_redirect_uri',
      );
      await oauthError(
        await register(JSON.stringify({ redirect_uris: ['https://a.example/cb#frag'] })),
        400,
        'invalid_redirect_uri',
      );
      await oauthError(
        await register(JSON.stringify({ redirect_uris: [CLAUDE_CALLBACK], grant_types: ['client_credentials'] })),
        400,
        'invalid_client_metadata',
      );
      await oauthError(
        await register(
          JSON.stringify({ redirect_uris: [CLAUDE_CALLBACK], token_endpoint_auth_method: 'private_key_jwt' }),
        ),
        400,
        'invalid_client_metadata',
      );
      await oauthError(
        await register(
          JSON.stringify({ redirect_uris: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) }),
        ),
        400,
        'invalid_redirect_uri',
      );
      await oauthError(
        await register('redirect_uris=x', 'application/x-www-form-urlencoded'),
        400,
        'invalid_client_metadata',
      );
      await oauthError(await register('{"__proto__": {"x": 1}, "redirect_uris": []}'), 400, 'invalid_client_metadata');
    });
  });

  it('confidential clients must prove their secret (post or basic)', async () => {
    const registered = await fetch(`${gw.base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Server app',
        redirect_uris: [CLAUDE_CALLBACK],
        token_endpoint_auth_method: 'client_secret_post',
      }),
    });
    const { client_id, client_secret } = (await registered.json()) as { client_id: string; client_secret: string };
    assert.match(client_secret, /^sbcs_/);
    const stored = JSON.stringify(await snapshot());
    assert.equal(stored.includes(client_secret), false, 'the client secret is stored only as a hash');
    const fields = { grant_type: 'refresh_token', refresh_token: 'x', client_id };
    await unchanged(async () => {
      await oauthError(await postForm(`${gw.base}/token`, fields), 401, 'invalid_client');
      await oauthError(
        await postForm(`${gw.base}/token`, { ...fields, client_secret: `${client_secret}x` }),
        401,
        'invalid_client',
      );
      const basic = await postForm(
        `${gw.base}/token`,
        { grant_type: 'refresh_token', refresh_token: 'x' },
        { authorization: `Basic ${Buffer.from(`${client_id}:wrong`).toString('base64')}` },
      );
      assert.equal(basic.headers.get('www-authenticate'), 'Basic realm="switchboard"');
      await oauthError(basic, 401, 'invalid_client');
    });
    // With the right secret the request reaches the grant (and fails there, on the made-up refresh token).
    await oauthError(await postForm(`${gw.base}/token`, { ...fields, client_secret }), 400, 'invalid_grant');
  });

  it('consent: a form without its CSRF token, from another browser or another site is refused', async () => {
    const { challenge } = pkce();
    const page = await fetch(authorizeUrl(validParams(challenge)), { redirect: 'manual' });
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const fields = hiddenFields(await page.text());
    const consent = `${gw.base}/authorize/consent`;
    await unchanged(async () => {
      const { csrf: _, ...withoutCsrf } = fields;
      for (const [label, response] of [
        [
          'no csrf field',
          await postForm(consent, { ...withoutCsrf, action: 'continue', api_key: apiKey.token }, { cookie }),
        ],
        ['no cookie', await postForm(consent, { ...fields, action: 'continue', api_key: apiKey.token })],
        [
          'other cookie',
          await postForm(
            consent,
            { ...fields, action: 'continue', api_key: apiKey.token },
            { cookie: `sb_oauth_csrf=${'x'.repeat(43)}` },
          ),
        ],
        [
          'other site',
          await postForm(
            consent,
            { ...fields, action: 'continue', api_key: apiKey.token },
            { cookie, origin: 'https://evil.example.com' },
          ),
        ],
      ] as const) {
        assert.equal(response.status, 403, label);
        assert.equal(response.headers.get('location'), null, label);
      }
      const tampered = await postForm(
        consent,
        { ...fields, state_token: `${fields['state_token']}x`, action: 'continue', api_key: apiKey.token },
        { cookie },
      );
      assert.equal(tampered.status, 400);
    });
  });
});
