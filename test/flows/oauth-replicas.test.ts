/**
 * Two gateway replicas on one Redis, one public URL: they sign with the same generated key, a code issued
 * by one is redeemed at the other, and a key revoked through one stops its OAuth tokens on the other within
 * a second. Rotating the key keeps its tokens working through the grace period, and only through it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { ManualClock } from '../../apps/gateway/src/clock.ts';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import {
  CLAUDE_CALLBACK,
  consentOverHttp,
  type OAuthGateway,
  postForm,
  registerPublicClient,
  startOAuthGateway,
} from './oauth-harness.ts';

describe('OAuth across replicas', { timeout: 60_000 }, () => {
  const clock = new ManualClock(Date.now());
  let redis: TestRedisServer;
  let upstream: EchoUpstream;
  let a: OAuthGateway;
  let b: OAuthGateway;
  let clientId: string;

  const mcp = (replica: OAuthGateway, token: string) =>
    fetch(`${replica.base}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });

  /** Consent through replica a, token from replica b. */
  async function connect(apiKey: string) {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(`${a.base}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: `${a.base}/mcp`,
    }).toString();
    const consent = await consentOverHttp(url, apiKey);
    const code = consent.location?.searchParams.get('code');
    assert.ok(code, consent.html);
    const response = await postForm(`${b.base}/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CLAUDE_CALLBACK,
      code_verifier: verifier,
      client_id: clientId,
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { access_token: string; refresh_token: string };
  }

  before(async () => {
    redis = await startRedisServer();
    upstream = await startEchoUpstream({ name: 'alpha' });
    const env = { REDIS_URL: redis.url, GATEWAY_OAUTH_ACCESS_TOKEN_TTL_S: '86400' };
    a = await startOAuthGateway({ upstreams: [{ name: 'alpha', url: upstream.url }], clock, env });
    // Replica b serves the same public URL (behind one load balancer); tests call it on its own port.
    b = await startOAuthGateway({
      upstreams: [{ name: 'alpha', url: upstream.url }],
      clock,
      env: { ...env, GATEWAY_PUBLIC_URL: a.base },
    });
    clientId = await registerPublicClient(b.base);
  });

  after(async () => {
    await a?.close();
    await b?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it('replicas publish the same signing key (generated once, kept in Redis)', async () => {
    const jwks = async (replica: OAuthGateway) => (await fetch(`${replica.base}/.well-known/jwks.json`)).json();
    const keys = (await jwks(a)) as { keys: { kid: string; d?: string }[] };
    assert.equal(keys.keys.length, 1);
    assert.equal(keys.keys[0]?.d, undefined, 'no private part is published');
    assert.deepEqual(await jwks(b), keys);
  });

  it('a key revoked through one replica stops its tokens on the other within 1 s', async () => {
    const key = await a.createKey(['*']);
    const tokens = await connect(key.token);
    for (let i = 0; i < 3; i++) assert.equal((await mcp(b, tokens.access_token)).status, 200);

    await a.gateway.keys.revoke(key.id, { id: 'test' });
    const started = performance.now();
    let status = 200;
    while (performance.now() - started < 1_000) {
      status = (await mcp(b, tokens.access_token)).status;
      if (status === 401) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 401, 'replica b still accepted the token 1 s after the revocation');
    const refresh = await postForm(`${a.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    assert.equal(refresh.status, 400);
  });

  it('rotation: tokens keep working through the grace period and stop when it ends', async () => {
    const key = await a.createKey(['*']);
    const tokens = await connect(key.token);
    await a.gateway.keys.rotate(key.id, { gracePeriodS: 3600 }, { id: 'test' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await mcp(b, tokens.access_token)).status, 200, 'within the grace period');
    const refreshed = await postForm(`${b.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    assert.equal(refreshed.status, 200, 'refresh within the grace period');
    const next = (await refreshed.json()) as { access_token: string; refresh_token: string };

    clock.advance(3_601_000);
    const after = await mcp(b, next.access_token);
    assert.equal(after.status, 401);
    assert.match(after.headers.get('www-authenticate') ?? '', /rotated out/);
    const late = await postForm(`${a.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: next.refresh_token,
      client_id: clientId,
    });
    assert.equal(late.status, 400);
  });
});
