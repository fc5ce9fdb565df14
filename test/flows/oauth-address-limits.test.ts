import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { CLAUDE_CALLBACK, type OAuthGateway, startOAuthGateway } from './oauth-harness.ts';

/** The credential-free OAuth endpoints are limited per client address, which only trusted proxies may name. */
describe('OAuth endpoints: limits per client address', () => {
  let upstream: EchoUpstream;
  const gateways: OAuthGateway[] = [];
  before(async () => {
    upstream = await startEchoUpstream({ name: 'alpha' });
  });
  after(async () => {
    for (const gw of gateways) await gw.close();
    await upstream.close();
  });
  const start = async (env: Record<string, string>) => {
    const gw = await startOAuthGateway({
      upstreams: [{ name: 'alpha', url: upstream.url }],
      env: { GATEWAY_OAUTH_ADDRESS_LIMITS: JSON.stringify({ register: 2, authorize: 1 }), ...env },
    });
    gateways.push(gw);
    return gw;
  };
  const register = (gw: OAuthGateway, forwardedFor?: string) =>
    fetch(`${gw.base}/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }),
      },
      body: JSON.stringify({
        client_name: 'Claude',
        redirect_uris: [CLAUDE_CALLBACK],
        token_endpoint_auth_method: 'none',
      }),
    });

  it('refuses registrations past the limit with 429, Retry-After and an OAuth error; other addresses go on', async () => {
    const gw = await start({});
    assert.equal((await register(gw)).status, 201);
    assert.equal((await register(gw)).status, 201);
    const refused = await register(gw);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After in whole seconds');
    const body = (await refused.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'temporarily_unavailable');
    assert.match(body.error_description, /Too many register requests from this address \(2 a minute\); retry in \d+ s/);

    // A proxy on loopback (trusted by default) names another client: that client has its own allowance.
    assert.equal((await register(gw, '203.0.113.7')).status, 201);
    // Token requests are counted apart from registrations.
    const token = await fetch(`${gw.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=nope',
    });
    assert.notEqual(token.status, 429);
  });

  it('ignores X-Forwarded-For from peers it does not trust, so a client cannot choose its address', async () => {
    const gw = await start({ GATEWAY_TRUST_PROXY: 'false' });
    assert.equal((await register(gw, '198.51.100.1')).status, 201);
    assert.equal((await register(gw, '198.51.100.2')).status, 201);
    assert.equal((await register(gw, '198.51.100.3')).status, 429, 'the same peer, whatever it claims');
  });

  it('shows the consent page’s refusal as a page, with status 429', async () => {
    const gw = await start({});
    const authorize = () => fetch(`${gw.base}/authorize?client_id=x`, { redirect: 'manual' });
    assert.notEqual((await authorize()).status, 429);
    const refused = await authorize();
    assert.equal(refused.status, 429);
    assert.match(refused.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await refused.text(), /Too many authorize requests/);
  });
});
