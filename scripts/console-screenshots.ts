/**
 * Regenerates docs/console/*.png: the admin console at 1280×800 in headless Chromium, against an in-process
 * gateway (in-memory stores) with echo upstreams and a few keys and calls. Needs Debian's chromium
 * (as the browser tests do). Run: node --import @switchboard/ts-runtime/register scripts/console-screenshots.ts
 */
import { mkdirSync } from 'node:fs';
import { startEchoUpstream } from '../test/fixtures/echo-upstream.ts';
import { launchChromium } from '../test/support/chromium.ts';
import { seedConnectorGrant } from '../test/support/connector-grant.ts';
import { baseEnv, startGateway, TEST_ADMIN_TOKEN } from '../test/support/gateway-harness.ts';
import { modernRequest } from '../test/support/mcp-requests.ts';

const out = new URL('../docs/console/', import.meta.url);
mkdirSync(out, { recursive: true });
const gmail = await startEchoUpstream({ name: 'gmail', readOnly: true });
const drive = await startEchoUpstream({ name: 'drive' });
const gw = await startGateway(
  baseEnv([
    { name: 'gmail', url: gmail.url },
    { name: 'drive', url: drive.url },
  ]),
);
const people = ['ada@example.com', 'grace@example.com', 'linus@example.com'];
const keys = [];
for (const owner of people) keys.push(await gw.createKey(['*'], { name: `${owner.split('@')[0]}’s laptop`, owner }));
const limited = await gw.createKey(['gmail_*'], {
  name: 'ci bot',
  owner: 'ci',
  limits: { key: { limit: 3, window_s: 60 } },
});
for (const [i, key] of [...keys, limited].entries()) {
  for (let n = 0; n < 4 + i * 3; n++) {
    await modernRequest(gw.mcpUrl, key.token, 'tools/call', {
      tool: n % 2 === 0 ? 'gmail_echo' : 'drive_echo',
      arguments: { text: 'hello' },
    });
  }
}

// A Claude connector authorized with one key, so its page shows an OAuth grant.
await seedConnectorGrant(gw.gateway.oauth.store, {
  keyId: keys[1]!.id,
  resource: `${gw.mcpUrl}`,
  lifetimeMs: 30 * 86_400_000,
});

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const shot = (name: string) => page.screenshot({ path: new URL(`${name}.png`, out).pathname });
await page.goto(`${gw.adminUrl}/console/sign-in`);
await shot('sign-in');
await page.getByLabel(/Admin token/).fill(TEST_ADMIN_TOKEN);
await page.getByRole('button', { name: 'Sign in' }).click();
await shot('keys');
await page.goto(`${gw.adminUrl}/console/keys/new`);
await page.getByLabel('Name', { exact: true }).fill('new laptop');
await page.getByRole('button', { name: 'Create key' }).click();
await shot('key-created');
await page.goto(`${gw.adminUrl}/console/keys/${keys[1]!.id}`);
await shot('key');
await page.goto(`${gw.adminUrl}/console/keys/${keys[1]!.id}/rotate`);
await shot('key-rotate');
await page.goto(`${gw.adminUrl}/console/upstreams`);
await shot('upstreams');
const card = page.locator('section', { has: page.getByRole('heading', { name: /^gmail/ }) });
await card.getByLabel(/^Arguments/).fill('{"text": "hello from the console"}');
await card.getByRole('button', { name: 'Call' }).click();
await shot('upstream-test-call');
await page.goto(`${gw.adminUrl}/console/usage`);
await page.locator('canvas').first().waitFor();
await shot('usage');
await page.goto(`${gw.adminUrl}/console/audit`);
await shot('audit');
await browser.close();
await gw.close();
await gmail.close();
await drive.close();
console.log(`screenshots written to ${out.pathname}`);
