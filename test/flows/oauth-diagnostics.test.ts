/**
 * GET /admin/v1/diagnostics/connector replays Claude's connector setup against the configured public URL
 * and reports each step. In tests the public URL is http on loopback: that step warns, the rest pass; a
 * public URL nobody answers on fails at the first request with an actionable message, without crashing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@switchboard/testing';
import type { DiagnosticsReport } from '../../apps/gateway/src/oauth/index.ts';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { type OAuthGateway, startOAuthGateway } from './oauth-harness.ts';

describe('connector diagnostics', { timeout: 60_000 }, () => {
  let upstream: EchoUpstream;
  let gw: OAuthGateway;

  before(async () => {
    upstream = await startEchoUpstream({ name: 'alpha' });
    gw = await startOAuthGateway({ upstreams: [{ name: 'alpha', url: upstream.url }] });
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  it('walks the whole connector setup and warns about plain http', async () => {
    const response = await gw.admin('GET', '/admin/v1/diagnostics/connector');
    assert.equal(response.status, 200);
    const report = (await response.json()) as DiagnosticsReport;
    assert.equal(report.connector_url, `${gw.base}/mcp`);
    const status = Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
    assert.deepEqual(status, {
      'public-url': 'warn',
      challenge: 'pass',
      'protected-resource-metadata': 'pass',
      'authorization-server-metadata': 'pass',
      registration: 'pass',
      authorization: 'pass',
      token: 'pass',
      'tools-list': 'pass',
      revocation: 'pass',
    });
    assert.equal(report.ok, true);
    const publicUrl = report.steps.find((s) => s.id === 'public-url');
    assert.match(publicUrl?.message ?? '', /only connects to https/);
    assert.match(publicUrl?.message ?? '', /127\.0\.0\.1 resolves to 127\.0\.0\.1, not only to public addresses/);
    assert.match(report.steps.find((s) => s.id === 'tools-list')?.message ?? '', /^2 tools/);

    // The temporary key is revoked and the diagnostic client deleted afterwards.
    const page = await gw.gateway.keys.list({ limit: 100 });
    const temporary = page.items.filter((k) => k.owner === 'diagnostics');
    assert.equal(temporary.length, 1);
    assert.notEqual(temporary[0]?.revokedAt, null);
  });

  it('reports an unreachable public URL as a failed step with what to check, and skips the rest', async () => {
    const deadPort = await freePort();
    const lonely = await startOAuthGateway({
      upstreams: [{ name: 'alpha', url: upstream.url }],
      env: { GATEWAY_PUBLIC_URL: `http://127.0.0.1:${deadPort}` },
    });
    try {
      const response = await lonely.admin('GET', '/admin/v1/diagnostics/connector');
      assert.equal(response.status, 200);
      const report = (await response.json()) as DiagnosticsReport;
      assert.equal(report.ok, false);
      const challenge = report.steps.find((s) => s.id === 'challenge');
      assert.equal(challenge?.status, 'fail');
      assert.match(challenge?.message ?? '', /could not reach http:\/\/127\.0\.0\.1:\d+\/mcp .*GATEWAY_PUBLIC_URL/);
      assert.ok(
        report.steps.filter((s) => !['public-url', 'challenge'].includes(s.id)).every((s) => s.status === 'skip'),
      );
    } finally {
      await lonely.close();
    }
  });

  it('requires admin authentication', async () => {
    const response = await fetch(`${gw.adminUrl}/admin/v1/diagnostics/connector`);
    assert.equal(response.status, 401);
  });
});
