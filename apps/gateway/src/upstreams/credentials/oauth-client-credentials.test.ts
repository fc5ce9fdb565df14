import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import { OAuthClientCredentials } from './oauth-client-credentials.ts';

async function body(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

describe('OAuth client credentials for an upstream', () => {
  const seen: { authorization: string | undefined; form: URLSearchParams }[] = [];
  let issued = 0;
  let refuse = false;
  let url: string;
  const server = createServer(async (req, res) => {
    seen.push({ authorization: req.headers.authorization, form: new URLSearchParams(await body(req)) });
    if (refuse) return res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
    issued++;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 60 }));
  });
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  after(() => server.close());

  it('authenticates with Basic (form-encoded id and secret), caches the token, renews it before expiry', async () => {
    let now = 1_000_000;
    const client = new OAuthClientCredentials({
      tokenUrl: url,
      clientId: 'id with space',
      clientSecret: 's:cret',
      scope: 'tools.read',
      resource: 'https://mcp.example.com/mcp',
      now: () => now,
    });
    const [first, second] = await Promise.all([client.token(), client.token()]);
    assert.equal(first, 'token-1');
    assert.equal(second, 'token-1', 'concurrent callers share one request');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.authorization, `Basic ${Buffer.from('id%20with%20space:s%3Acret').toString('base64')}`);
    assert.equal(seen[0]?.form.get('grant_type'), 'client_credentials');
    assert.equal(seen[0]?.form.get('scope'), 'tools.read');
    assert.equal(seen[0]?.form.get('resource'), 'https://mcp.example.com/mcp');
    now += 47_000;
    assert.equal(await client.token(), 'token-1', 'still fresh before 80 % of its lifetime');
    now += 2_000;
    assert.equal(await client.token(), 'token-2', 'renewed after 80 % of its lifetime');
    assert.equal(client.invalidate(), true);
    assert.equal(await client.token(), 'token-3', 'fetched anew after a 401 invalidated it');
  });

  it('reports a refused client as UPSTREAM_AUTH without the secret', async () => {
    refuse = true;
    const client = new OAuthClientCredentials({ tokenUrl: url, clientId: 'id', clientSecret: 'top-secret' });
    await assert.rejects(client.token(), (error: unknown) => {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.code, 'UPSTREAM_AUTH');
      assert.ok(!error.message.includes('top-secret'));
      return true;
    });
    refuse = false;
  });
});
