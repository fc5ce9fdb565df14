/**
 * The consent page in a real browser (Debian's Chromium driven by Playwright): a person pastes a team API
 * key, sees what it grants, and approves or denies; a wrong key is explained on the page; a form without its
 * CSRF token is refused. Screenshots land in test/artifacts/oauth-consent/ (git-ignored) for review.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { withLastCharacterChanged } from '@switchboard/testing';
import type { Browser, Page } from 'playwright-core';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { type OAuthGateway, registerPublicClient, startOAuthGateway } from '../flows/oauth-harness.ts';
import { launchChromium } from '../support/chromium.ts';

const ARTIFACTS = new URL('../artifacts/oauth-consent/', import.meta.url);

/** WCAG relative luminance contrast of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r = 0, g = 0, bl = 0] = (css.match(/\d+(\.\d+)?/g) ?? []).map(Number);
    const channel = (v: number) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(bl);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe('consent page in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let upstream: EchoUpstream;
  let gw: OAuthGateway;
  let callbackServer: Server;
  let callbackUrl: string;
  let clientId: string;
  let apiKey: { token: string; id: string };
  const landed: URL[] = [];

  const authorizeUrl = (state: string) => {
    const url = new URL(`${gw.base}/authorize`);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callbackUrl,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state,
      scope: 'mcp',
      resource: `${gw.base}/mcp`,
    }).toString();
    return url.href;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    upstream = await startEchoUpstream({ name: 'gmail' });
    gw = await startOAuthGateway({ upstreams: [{ name: 'gmail', url: upstream.url }] });
    callbackServer = createServer((request, response) => {
      const url = new URL(request.url ?? '/', callbackUrl);
      if (url.pathname === '/callback') landed.push(url);
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><title>back in the app</title><p>Back in the app.</p>');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    const address = callbackServer.address();
    callbackUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/callback`;
    clientId = await registerPublicClient(gw.base, callbackUrl);
    apiKey = await gw.createKey(['gmail_*', 'drive_search_files'], { name: 'Ada’s laptop' });
  });

  after(async () => {
    await browser?.close();
    await gw?.close();
    await upstream?.close();
    // before() may have failed ahead of the server (no Chromium): a pending promise would hide its message.
    if (callbackServer !== undefined) await new Promise((resolve) => callbackServer.close(resolve));
  });

  it('paste the key, see what it grants, approve: back at the app with a code, state and iss', async () => {
    const page = await browser.newPage();
    await page.goto(authorizeUrl('approve-state'));
    assert.equal(await page.title(), 'Connect Claude – Switchboard');
    // Focus starts in the key field, which is labelled.
    assert.equal(await page.evaluate('document.activeElement?.id'), 'api_key');
    const field = page.getByLabel('Your Switchboard API key');
    assert.equal(await field.getAttribute('type'), 'password');
    assert.match(
      ((await page.locator('dl').textContent()) ?? '').replace(/\s+/g, ' '),
      /Application\s*Claude \(name given by the application itself\)/,
    );

    // Text and controls meet WCAG AA contrast; focus is visible.
    // Page scripts are strings: the test transpiler would wrap inner functions in a helper the page lacks,
    // and the repository's TypeScript has no DOM types.
    const colours = (await page.evaluate(`(() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      return {
        text: [style('h1').color, style('main').backgroundColor],
        hint: [style('.hint').color, style('main').backgroundColor],
        primary: [style('button.primary').color, style('button.primary').backgroundColor],
        secondary: [style('button.secondary').color, style('button.secondary').backgroundColor],
      };
    })()`)) as Record<string, [string, string]>;
    for (const [name, [fg, bg]] of Object.entries(colours)) {
      assert.ok(contrast(fg, bg) >= 4.5, `${name}: ${fg} on ${bg}`);
    }
    await page.keyboard.press('Tab');
    const outline = (await page.evaluate(`(() => {
      const style = getComputedStyle(document.activeElement);
      return { id: document.activeElement.textContent, width: style.outlineWidth, style: style.outlineStyle };
    })()`)) as { id: string; width: string; style: string };
    assert.equal(outline.id, 'Continue');
    assert.equal(outline.style, 'solid');
    assert.ok(Number.parseFloat(outline.width) >= 2);
    await shot(page, '1-paste-key');

    await field.fill(apiKey.token);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForSelector('ul.scopes');
    assert.match(
      (await page.locator('h1').textContent()) ?? '',
      /Allow Claude to use Switchboard with the key “Ada’s laptop”/,
    );
    const scopes = await page.locator('ul.scopes li').allTextContents();
    assert.deepEqual(scopes, [
      'gmail_*: every tool whose name starts with “gmail_”',
      'drive_search_files: this tool (or every tool of the service with this name)',
    ]);
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Approve');
    assert.equal(
      await page.content().then((html) => html.includes(apiKey.token)),
      false,
      'the key is not echoed into the page',
    );
    await shot(page, '2-review-and-approve');

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/\/callback\?/);
    const back = landed.at(-1);
    assert.ok(back);
    assert.match(back.searchParams.get('code') ?? '', /^sbac_/);
    assert.equal(back.searchParams.get('state'), 'approve-state');
    assert.equal(back.searchParams.get('iss'), gw.base);
    await page.close();
  });

  it('deny: back at the app with access_denied', async () => {
    const page = await browser.newPage();
    await page.goto(authorizeUrl('deny-state'));
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(/\/callback\?/);
    const back = landed.at(-1);
    assert.equal(back?.searchParams.get('error'), 'access_denied');
    assert.equal(back?.searchParams.get('state'), 'deny-state');
    assert.equal(back?.searchParams.get('iss'), gw.base);
    assert.equal(back?.searchParams.get('code'), null);
    await page.close();
  });

  it('a wrong key is explained on the page, next to the field, and nothing is granted', async () => {
    const page = await browser.newPage();
    const before = landed.length;
    await page.goto(authorizeUrl('wrong-state'));
    await page.getByLabel('Your Switchboard API key').fill(withLastCharacterChanged(apiKey.token));
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /That key did not work[\s\S]*checksum/);
    const field = page.getByLabel('Your Switchboard API key');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal(await field.getAttribute('aria-describedby'), 'key-error key-hint');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'api_key');
    await shot(page, '3-wrong-key');
    assert.equal(landed.length, before);
    await page.close();
  });

  it('a form whose CSRF token was removed is refused', async () => {
    const page = await browser.newPage();
    const before = landed.length;
    await page.goto(authorizeUrl('csrf-state'));
    await page.evaluate(`document.querySelector('input[name="csrf"]').remove()`);
    await page.getByLabel('Your Switchboard API key').fill(apiKey.token);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/authorize/consent')),
      page.getByRole('button', { name: 'Continue' }).click(),
    ]);
    assert.equal(response.status(), 403);
    assert.match((await page.locator('h1').textContent()) ?? '', /This form could not be verified/);
    await shot(page, '4-csrf-refused');
    assert.equal(landed.length, before);
    await page.close();
  });
});
