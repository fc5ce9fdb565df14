import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import { GoogleApiClient, type QuotaGate } from './google-api-client.ts';
import type { CallerCredential } from './google-credentials.ts';

/** Answers each request with the next scripted status (then 200), counting hits per path. */
function scriptedGoogle() {
  const script: { status: number; headers?: Record<string, string>; body?: unknown }[] = [];
  const hits: { method: string; path: string; auth: string }[] = [];
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', path: req.url ?? '', auth: req.headers.authorization ?? '' });
    const next = script.shift() ?? { status: 200, body: { ok: true } };
    res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
    res.end(JSON.stringify(next.body ?? {}));
  });
  return { server, script, hits };
}

function credential(): CallerCredential & { refreshes: number } {
  let version = 0;
  return {
    refreshes: 0,
    accountKey: 'alice@example.com',
    async accessToken(options) {
      if (options?.forceRefresh) {
        this.refreshes++;
        version++;
      }
      return `token-${version}`;
    },
    async rejectedError() {
      return new SwitchboardError('CONNECT_REQUIRED', 'reconnect');
    },
  };
}

const pauses: { account: string; ms: number }[] = [];
const quota: QuotaGate = {
  run: (_account, _caller, _units, fn) => fn(),
  pause: async (account, ms) => {
    pauses.push({ account, ms });
  },
};

describe('Google API client', () => {
  const google = scriptedGoogle();
  let client: GoogleApiClient;
  before(async () => {
    await new Promise<void>((resolve) => google.server.listen(0, '127.0.0.1', resolve));
    const { port } = google.server.address() as AddressInfo;
    client = new GoogleApiClient({
      upstream: 'gmail',
      product: 'Gmail',
      baseUrl: `http://127.0.0.1:${port}`,
      quota,
      retry: { maxAttempts: 3, maxWaitMs: 1_000, baseMs: 10, capMs: 20 },
    });
  });
  after(() => new Promise<void>((resolve) => google.server.close(() => resolve())));
  const get = (cred = credential()) =>
    client.json<{ ok: boolean }>({
      credential: cred,
      callerKey: 'k',
      method: 'GET',
      path: '/x',
      units: 5,
      route: 'x.get',
    });

  it('refreshes once on 401 and retries with the new token; a second 401 is final', async () => {
    const cred = credential();
    google.script.push({ status: 401 });
    assert.deepEqual(await get(cred), { ok: true });
    assert.equal(cred.refreshes, 1);
    assert.deepEqual(
      google.hits.slice(-2).map((h) => h.auth),
      ['Bearer token-0', 'Bearer token-1'],
    );
    google.script.push({ status: 401 }, { status: 401 });
    await assert.rejects(get(cred), (e: SwitchboardError) => e.code === 'CONNECT_REQUIRED');
  });

  it('retries reads on 5xx but never re-sends a write whose outcome is unknown', async () => {
    google.script.push({ status: 503 });
    assert.deepEqual(await get(), { ok: true });
    const before = google.hits.length;
    google.script.push({ status: 500, body: { error: { code: 500, message: 'Backend Error' } } });
    await assert.rejects(
      client.json({
        credential: credential(),
        callerKey: 'k',
        method: 'POST',
        path: '/drafts',
        json: {},
        units: 10,
        route: 'drafts.create',
      }),
      (e: SwitchboardError) => e.code === 'UPSTREAM_UNAVAILABLE' && /Backend Error/.test(e.message),
    );
    assert.equal(google.hits.length - before, 1);
  });

  it('pauses the account on quota errors, honours Retry-After, and stops within its bounds', async () => {
    pauses.length = 0;
    google.script.push({
      status: 403,
      body: {
        error: { code: 403, errors: [{ reason: 'userRateLimitExceeded' }], message: 'User Rate Limit Exceeded' },
      },
    });
    assert.deepEqual(await get(), { ok: true });
    assert.equal(pauses[0]?.account, 'alice@example.com');
    google.script.push({ status: 429, headers: { 'retry-after': '5' } });
    await assert.rejects(get(), (e: SwitchboardError) => e.code === 'RATE_LIMITED' && e.retryAfterS === 5);
    assert.equal(pauses.at(-1)?.ms, 5_000, 'the whole account waits what Google asked');
  });

  it('maps other errors to sentences with context and never retries them', async () => {
    google.script.push({
      status: 404,
      body: { error: { code: 404, message: 'Requested entity was not found.', errors: [{ reason: 'notFound' }] } },
    });
    await assert.rejects(
      get(),
      (e: SwitchboardError) => e.code === 'NOT_FOUND' && e.context?.['reason'] === 'notFound',
    );
    google.script.push({ status: 400, body: { error: { code: 400, message: 'Invalid query' } } });
    await assert.rejects(
      get(),
      (e: SwitchboardError) => e.code === 'VALIDATION_FAILED' && /Invalid query/.test(e.message),
    );
  });
});
