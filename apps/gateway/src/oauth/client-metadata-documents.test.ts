import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../clock.ts';
import { ClientMetadataDocuments, isClientIdUrl } from './client-metadata-documents.ts';
import { type HttpsFixture, selfSignedCertificate, startHttpsServer } from './test-fixtures.ts';

describe('client ID metadata documents', () => {
  const certificate = selfSignedCertificate();
  const clock = new ManualClock(Date.now());
  let server: HttpsFixture;
  let base: string;
  let documents: ClientMetadataDocuments;
  const doc = (path: string, extra: Record<string, unknown> = {}) => ({
    client_id: `${base}${path}`,
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });

  before(async () => {
    server = await startHttpsServer(certificate, (request, response) => {
      const path = request.url ?? '';
      const json = (body: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(200, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(body));
      };
      if (path === '/ok.json') return json(doc(path), { 'cache-control': 'max-age=120' });
      if (path === '/mismatch.json') return json({ ...doc(path), client_id: 'https://someone-else.example/c.json' });
      if (path === '/secret.json') return json(doc(path, { client_secret: 's' }));
      if (path === '/post.json') return json(doc(path, { token_endpoint_auth_method: 'client_secret_post' }));
      if (path === '/bad-redirect.json') return json(doc(path, { redirect_uris: ['http://evil.example/cb'] }));
      if (path === '/big.json') return json(doc(path, { padding: 'x'.repeat(20_000) }));
      if (path === '/chunked.json') {
        response.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 40; i++) response.write(' '.repeat(1000));
        return response.end(JSON.stringify(doc(path)));
      }
      if (path === '/not-json.json') {
        response.writeHead(200, { 'content-type': 'text/html' });
        return response.end('<html>');
      }
      if (path === '/redirect.json') {
        response.writeHead(302, { location: `${base}/ok.json` });
        return response.end();
      }
      if (path === '/slow.json') return; // never answers
      response.writeHead(404);
      response.end();
    });
    base = `https://localhost:${server.port}`;
    documents = new ClientMetadataDocuments({
      clock,
      allowedHosts: [`localhost:${server.port}`],
      extraCa: certificate.cert,
      timeoutMs: 500,
    });
  });
  after(async () => {
    await documents.close();
    await server.close();
    certificate.remove();
  });

  it('fetches, validates and caches a document within its max-age', async () => {
    const metadata = await documents.resolve(`${base}/ok.json`);
    assert.deepEqual(metadata, {
      name: 'Claude',
      redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
      authMethod: 'none',
    });
    await documents.resolve(`${base}/ok.json`);
    assert.equal(server.requests.filter((p) => p === '/ok.json').length, 1);
    clock.advance(121_000);
    await documents.resolve(`${base}/ok.json`);
    assert.equal(server.requests.filter((p) => p === '/ok.json').length, 2);
  });

  it('refuses documents that do not describe the URL they came from, or a public client', async () => {
    const cases: [string, RegExp][] = [
      ['/mismatch.json', /client_id is not the URL/],
      ['/secret.json', /must not contain a client secret/],
      ['/post.json', /must use token_endpoint_auth_method "none"/],
      ['/bad-redirect.json', /http on a non-loopback host/],
      ['/not-json.json', /not JSON/],
      ['/missing.json', /HTTP 404/],
      ['/redirect.json', /HTTP 302.*redirects are not followed/],
    ];
    for (const [path, reason] of cases) {
      await assert.rejects(documents.resolve(`${base}${path}`), (error: Error & { error?: string }) => {
        assert.equal(error.error, 'invalid_client');
        assert.match(error.message, reason);
        return true;
      });
    }
  });

  it('stops reading at the size limit and at the time limit', async () => {
    await assert.rejects(documents.resolve(`${base}/big.json`), /larger than 16384 bytes/);
    await assert.rejects(documents.resolve(`${base}/chunked.json`), /larger than 16384 bytes/);
    const started = performance.now();
    await assert.rejects(documents.resolve(`${base}/slow.json`), /timed out|could not be fetched/);
    assert.ok(performance.now() - started < 3_000);
  });

  it('refuses private and loopback addresses unless the host is allowlisted, before connecting', async () => {
    const production = new ClientMetadataDocuments({ clock, extraCa: certificate.cert, timeoutMs: 500 });
    try {
      const before = server.requests.length;
      for (const url of [
        `${base}/ok.json`,
        `https://127.0.0.1:${server.port}/ok.json`,
        `https://[::1]:${server.port}/ok.json`,
      ]) {
        await assert.rejects(production.resolve(url), /private or special-purpose address/, url);
      }
      assert.equal(server.requests.length, before, 'nothing reached the server');
    } finally {
      await production.close();
    }
  });

  it('does not trust a certificate no CA vouches for', async () => {
    const strict = new ClientMetadataDocuments({ clock, allowedHosts: [`localhost:${server.port}`], timeoutMs: 500 });
    try {
      await assert.rejects(strict.resolve(`${base}/ok.json`), /could not be fetched/);
    } finally {
      await strict.close();
    }
  });

  it('recognises metadata-document client ids', () => {
    for (const id of ['https://claude.ai/oauth/claude-client.json', 'https://example.com:8443/c?x=1'])
      assert.equal(isClientIdUrl(id), true, id);
    for (const id of [
      'http://claude.ai/client.json',
      'https://claude.ai',
      'https://claude.ai/',
      'https://claude.ai/a/../b.json',
      'https://claude.ai/a/%2e%2e/b.json',
      'https://claude.ai/c.json#x',
      'https://user@claude.ai/c.json',
      'sbc_abc',
    ]) {
      assert.equal(isClientIdUrl(id), false, id);
    }
  });
});
