/**
 * The OAuth front door while Redis is down (found by the soak): `/token` must say "temporarily unavailable,
 * retry" (503 with Retry-After, RFC 6749's `temporarily_unavailable`) rather than a 500 "server_error", and a
 * refresh refused that way must not use the refresh token up: once Redis is back the same token refreshes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import {
  CLAUDE_CALLBACK,
  consentOverHttp,
  type OAuthGateway,
  postForm,
  registerPublicClient,
  startOAuthGateway,
} from './oauth-harness.ts';

describe('OAuth token endpoint during a Redis outage', { timeout: 60_000 }, () => {
  let redis: TestRedisServer;
  let upstream: EchoUpstream;
  let gw: OAuthGateway;

  before(async () => {
    redis = await startRedisServer({ persist: true });
    upstream = await startEchoUpstream({ name: 'echo' });
    gw = await startOAuthGateway({ upstreams: [{ name: 'echo', url: upstream.url }], env: { REDIS_URL: redis.url } });
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it('answers 503 temporarily_unavailable with Retry-After, and the refresh token survives', async () => {
    const key = await gw.createKey();
    const clientId = await registerPublicClient(gw.base);
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${gw.base}/authorize`);
    for (const [name, value] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: `${gw.base}/mcp`,
      state: 's',
    }))
      authorize.searchParams.set(name, value);
    const code = (await consentOverHttp(authorize, key.token)).location?.searchParams.get('code');
    assert.ok(code);
    const issued = await postForm(`${gw.base}/token`, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: clientId,
      redirect_uri: CLAUDE_CALLBACK,
    });
    const tokens = (await issued.json()) as { refresh_token: string };
    assert.equal(issued.status, 200);

    await redis.kill();
    const refused = await postForm(`${gw.base}/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    const body = (await refused.json()) as { error: string };
    assert.equal(refused.status, 503, JSON.stringify(body));
    assert.equal(body.error, 'temporarily_unavailable');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);

    await redis.start();
    let refreshed: Response | undefined;
    // The client reconnects by itself; give it until the deadline, not a fixed pause.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      refreshed = await postForm(`${gw.base}/token`, {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token,
        client_id: clientId,
      });
      if (refreshed.status !== 503) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(refreshed?.status, 200, await refreshed?.text());
  });
});
