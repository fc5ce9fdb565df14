/**
 * The admin console in a real browser (Debian's Chromium driven by Playwright): an admin signs in with the
 * admin token, creates a key, finds it in the list, rotates and revokes it, and the revoked key is refused
 * on the public /mcp; the usage chart draws the calls this test made; a forged CSRF token and a wrong or
 * missing admin token are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { launchChromium } from '../support/chromium.ts';
import { seedConnectorGrant } from '../support/connector-grant.ts';
import { baseEnv, type RunningGateway, startGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';
import { modernRequest } from '../support/mcp-requests.ts';

describe('admin console in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let upstream: EchoUpstream;
  let gw: RunningGateway;
  let page: Page;
  const pageErrors: string[] = [];

  const signIn = async (token: string) => {
    await page.goto(`${gw.adminUrl}/console/keys`);
    assert.match(page.url(), /\/console\/sign-in\?next=/);
    await page.getByLabel(/Admin token/).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  let relayed = 0;
  const call = async (token: string) => {
    const reply = await modernRequest(gw.mcpUrl, token, 'tools/call', {
      tool: 'gmail_echo',
      arguments: { text: 'hi' },
    });
    if (reply.status === 200) relayed++;
    return reply;
  };
  /** Rotation and revocation reach the key cache through the event hub; allow them their second. */
  const refusedSoon = async (token: string) => {
    for (let i = 0; i < 20; i++) {
      if ((await call(token)).status === 401) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };

  before(async () => {
    browser = await launchChromium();
    upstream = await startEchoUpstream({ name: 'gmail', readOnly: true });
    gw = await startGateway(baseEnv([{ name: 'gmail', url: upstream.url }]));
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
  });

  it('a wrong admin token does not sign in, and the console answers nothing without a session', async () => {
    await signIn(`${TEST_ADMIN_TOKEN}-wrong`);
    assert.match((await page.getByRole('alert').textContent()) ?? '', /not an admin token/);
    const cookies = await page.context().cookies();
    assert.equal(cookies.length, 0);
    // The API behind the console refuses a request without the admin token as well.
    const api = await fetch(`${gw.adminUrl}/admin/v1/keys`);
    assert.equal(api.status, 401);
  });

  it('sign in, create a key (secret shown once), see it listed, use it, rotate it, revoke it: refused on /mcp', async () => {
    await signIn(TEST_ADMIN_TOKEN);
    assert.equal(new URL(page.url()).pathname, '/console/keys');
    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');

    await page.getByRole('link', { name: 'Create a key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Grace’s laptop');
    await page.getByLabel(/^Owner/).fill('grace@example.com');
    await page.getByLabel(/^Scopes/).fill('gmail_*');
    await page.getByRole('button', { name: 'Create key' }).click();
    const first = await page.locator('#secret').inputValue();
    assert.match(first, /^sb_/);
    assert.equal(await page.getByRole('button', { name: 'Copy' }).isVisible(), true, 'the copy button shows with JS');

    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill('grace@');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.locator('tbody tr', { hasText: 'Grace’s laptop' });
    assert.equal(await row.count(), 1);
    assert.match((await row.textContent()) ?? '', /active/);

    for (let i = 0; i < 3; i++) assert.equal((await call(first)).body.result?.isError, undefined);

    await row.getByRole('link', { name: 'Grace’s laptop' }).click();
    const keyPath = new URL(page.url()).pathname;
    await page.getByRole('link', { name: /Rotate secret/ }).click();
    await page.getByLabel('Grace period for the current secret').selectOption('0');
    await page.getByRole('button', { name: 'Rotate' }).click();
    const second = await page.locator('#secret').inputValue();
    assert.match(second, /^sb_/);
    assert.notEqual(second, first);
    assert.equal(await refusedSoon(first), true, 'the old secret stopped (grace 0)');
    assert.equal((await call(second)).status, 200);

    // The usage chart draws every call that reached the upstream.
    await page.goto(`${gw.adminUrl}/console/usage`);
    const chart = page.locator('figure', { hasText: /^\s*gmail ·/ }).locator('[data-chart]');
    await chart
      .locator('canvas')
      .waitFor({ timeout: 5000 })
      .catch(() => assert.fail(`no chart: ${pageErrors.join('; ')}`));
    assert.ok(relayed >= 4);
    assert.equal(await chart.getAttribute('data-rendered'), String(relayed));

    await page.goto(`${gw.adminUrl}${keyPath}`);
    await page.getByRole('link', { name: /Revoke/ }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    assert.match((await page.getByRole('status').textContent()) ?? '', /revoked/);
    assert.equal(await refusedSoon(second), true, 'the revoked key is refused on /mcp');
  });

  it('the upstreams page shows each upstream state and its tools', async () => {
    await page.goto(`${gw.adminUrl}/console/upstreams`);
    const card = page.locator('section', { has: page.getByRole('heading', { name: /^gmail/ }) });
    assert.match((await card.getByRole('heading', { level: 2 }).textContent()) ?? '', /ready/);
    assert.equal(await card.locator('code', { hasText: 'gmail_echo' }).count(), 1);
  });

  it('the upstreams page test-calls a read-only tool and shows its text content', async () => {
    await page.goto(`${gw.adminUrl}/console/upstreams`);
    const card = page.locator('section', { has: page.getByRole('heading', { name: /^gmail/ }) });
    await card.getByLabel('Read-only tool').selectOption('gmail_echo');
    await card.getByLabel(/^Arguments/).fill('{"text": "from the console"}');
    await card.getByRole('button', { name: 'Call' }).click();
    assert.match((await page.locator('h1').textContent()) ?? '', /Test call: gmail_echo/);
    assert.equal(await page.locator('pre.result-text').textContent(), 'gmail:from the console');
    assert.match((await page.getByRole('status').textContent()) ?? '', /ok/);
    const audit = await gw.gateway.adminApp.inject({
      method: 'GET',
      url: '/admin/v1/audit?action=upstream.test_call',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    assert.equal(audit.json().items[0]?.outcome, 'success');
  });

  it("a key's OAuth grant shows on its page and is revoked after a confirmation", async () => {
    const key = await gw.createKey(['gmail_*'], { name: 'connector key' });
    const grant = await seedConnectorGrant(gw.gateway.oauth.store, { keyId: key.id, resource: `${gw.mcpUrl}` });
    await page.goto(`${gw.adminUrl}/console/keys/${key.id}`);
    const grants = page.getByRole('table', { name: 'OAuth grants' });
    const row = grants.locator('tbody tr', { hasText: 'Claude (team connector)' });
    assert.equal(await row.count(), 1);
    await row.getByRole('link', { name: /Revoke/ }).click();
    await page.getByRole('button', { name: 'Revoke grant' }).click();
    assert.match((await page.getByRole('status').textContent()) ?? '', /grant is revoked/);
    assert.equal(await gw.gateway.oauth.store.getFamily(grant), null);
    assert.match((await grants.textContent()) ?? '', /No OAuth client was authorized/);
    assert.equal((await gw.gateway.keys.get(key.id)).revokedAt, null, 'the key itself stays');
  });

  it('a form with a forged CSRF token is refused and changes nothing', async () => {
    await page.goto(`${gw.adminUrl}/console/keys/new`);
    await page.getByLabel('Name', { exact: true }).fill('forged');
    await page.evaluate(
      `document.querySelectorAll('input[name="csrf"]').forEach((el) => { el.value = 'forged-token'; })`,
    );
    const response = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create key' }).click(),
    ]).then(([r]) => r);
    assert.equal(response.status(), 403);
    const listed = await gw.gateway.keys.list({ search: 'forged' });
    assert.equal(listed.items.length, 0);
  });
});
