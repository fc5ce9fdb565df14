import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { type AdminHarness, adminHarness } from '../admin/admin-test-harness.ts';
import { COOKIE } from './console-plugin.ts';

const form = (fields: Record<string, string>) => ({
  payload: new URLSearchParams(fields).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

function sessionCookie(response: LightMyRequestResponse): string {
  const header = String(response.headers['set-cookie'] ?? '');
  assert.match(header, /HttpOnly/);
  assert.match(header, /SameSite=Strict/);
  assert.match(header, /Path=\/console/);
  const value = new RegExp(`${COOKIE}=([^;]+)`).exec(header)?.[1];
  assert.ok(value !== undefined && value.length > 20, header);
  return `${COOKIE}=${value}`;
}

function csrfOf(body: string): string {
  const csrf = /name="csrf" value="([^"]+)"/.exec(body)?.[1];
  assert.ok(csrf !== undefined, 'the page carries a CSRF field');
  return csrf;
}

describe('console: sign-in, sessions and CSRF', () => {
  let h: AdminHarness;
  let cookie: string;
  before(async () => {
    h = await adminHarness();
    const signIn = await h.app.inject({ method: 'POST', url: '/console/sign-in', ...form({ token: h.adminToken }) });
    assert.equal(signIn.statusCode, 303, signIn.body);
    assert.equal(signIn.headers.location, '/console/keys');
    cookie = sessionCookie(signIn);
  });
  after(() => h.close());

  test('without a session every page sends the browser to sign in, and forms are refused', async () => {
    for (const url of [
      '/console',
      '/console/keys',
      '/console/keys/new',
      '/console/upstreams',
      '/console/usage',
      '/console/audit',
    ]) {
      const response = await h.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 303, url);
      assert.match(String(response.headers.location), /^\/console\/sign-in\?next=/);
    }
    const before = (await h.store.list({ limit: 100 })).items.length;
    const post = await h.app.inject({ method: 'POST', url: '/console/keys', ...form({ name: 'x', scopes: '*' }) });
    assert.equal(post.statusCode, 401);
    assert.equal((await h.store.list({ limit: 100 })).items.length, before);
  });

  test('a wrong token or a key without the admin scope does not sign in', async () => {
    const wrong = await h.app.inject({
      method: 'POST',
      url: '/console/sign-in',
      ...form({ token: `${h.adminToken}x` }),
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    assert.match(wrong.body, /not an admin token/);
    const user = await h.createKey({ name: 'user', scopes: ['*'] });
    const notAdmin = await h.app.inject({ method: 'POST', url: '/console/sign-in', ...form({ token: user.token }) });
    assert.equal(notAdmin.statusCode, 401);
    const admin = await h.createKey({ name: 'ops', scopes: ['admin'] });
    const ok = await h.app.inject({ method: 'POST', url: '/console/sign-in', ...form({ token: admin.token }) });
    assert.equal(ok.statusCode, 303);
  });

  test('a forged or missing CSRF token and a foreign Origin are refused and change nothing', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/console/keys/new', headers: { cookie } });
    assert.equal(page.statusCode, 200);
    const csrf = csrfOf(page.body);
    const before = (await h.store.list({ limit: 100 })).items.length;
    const attempts: { fields: Record<string, string>; headers: Record<string, string> }[] = [
      { fields: { name: 'forged', scopes: '*', csrf: `${csrf.slice(0, -2)}xx` }, headers: {} },
      { fields: { name: 'missing', scopes: '*' }, headers: {} },
      { fields: { name: 'foreign', scopes: '*', csrf }, headers: { origin: 'https://evil.example' } },
    ];
    for (const attempt of attempts) {
      const f = form(attempt.fields);
      const response = await h.app.inject({
        method: 'POST',
        url: '/console/keys',
        payload: f.payload,
        headers: { ...f.headers, ...attempt.headers, cookie },
      });
      assert.equal(response.statusCode, 403, attempt.fields['name']);
    }
    assert.equal((await h.store.list({ limit: 100 })).items.length, before);
    // A tampered cookie is no session at all.
    const tampered = await h.app.inject({
      method: 'GET',
      url: '/console/keys',
      headers: { cookie: `${cookie.slice(0, -3)}abc` },
    });
    assert.equal(tampered.statusCode, 303);
  });

  test('pages are served with a strict CSP and are not cached', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/console/keys', headers: { cookie } });
    assert.equal(response.statusCode, 200);
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['x-frame-options'], 'DENY');
  });

  test('create shows the secret once; edit, rotate and revoke go through the admin API and its audit log', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/console/keys/new', headers: { cookie } });
    const csrf = csrfOf(page.body);
    const post = (url: string, fields: Record<string, string>) => {
      const f = form({ ...fields, csrf });
      return h.app.inject({
        method: 'POST',
        url,
        payload: f.payload,
        headers: { ...f.headers, cookie, origin: 'http://localhost:80' },
      });
    };
    const created = await post('/console/keys', {
      name: 'bob <script>',
      owner: 'bob@example.com',
      scopes: 'gmail_*, drive_*',
    });
    assert.equal(created.statusCode, 200, created.body);
    const token = /id="secret" readonly value="(sb_[^"]+)"/.exec(created.body)?.[1];
    assert.ok(token !== undefined, 'the secret is on the page');
    assert.equal(created.body.includes('<script>'), false, 'names are escaped');
    const id = /href="\/console\/keys\/(key_[A-Za-z0-9]+)"/.exec(created.body)?.[1];
    assert.ok(id !== undefined);
    assert.deepEqual((await h.keys.get(id)).scopes, ['gmail_*', 'drive_*']);

    const listed = await h.app.inject({ method: 'GET', url: '/console/keys?q=BOB', headers: { cookie } });
    assert.match(listed.body, new RegExp(id));
    const detail = await h.app.inject({ method: 'GET', url: `/console/keys/${id}`, headers: { cookie } });
    assert.equal(detail.body.includes(token), false, 'the secret is never shown again');

    const bad = await post(`/console/keys/${id}`, { name: 'bob', scopes: 'gmail_*', limits: '{"key":{"limit":0}}' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /class="error"/);
    const edited = await post(`/console/keys/${id}`, {
      name: 'bob',
      owner: 'bob@example.com',
      scopes: 'gmail_*',
      limits: '{"key":{"limit":5,"window_s":60}}',
    });
    assert.equal(edited.statusCode, 303);
    const after = await h.keys.get(id);
    assert.deepEqual(after.scopes, ['gmail_*']);
    assert.deepEqual(after.limits, { key: { limit: 5, window_s: 60 } });

    const rotated = await post(`/console/keys/${id}/rotate`, { grace_period_s: '3600' });
    assert.equal(rotated.statusCode, 200);
    const newToken = /id="secret" readonly value="(sb_[^"]+)"/.exec(rotated.body)?.[1];
    assert.ok(newToken !== undefined && newToken !== token);
    const secrets = (await h.keys.get(id)).secrets;
    assert.equal(secrets.length, 2);
    assert.ok(Math.abs((secrets[1]?.expiresAt ?? 0) - Date.now() - 3_600_000) < 60_000);

    assert.equal((await post(`/console/keys/${id}/revoke`, {})).statusCode, 303);
    assert.notEqual((await h.keys.get(id)).revokedAt, null);
    const audit = (await h.audit.list({ limit: 50 })).items.filter((e) => e.target === id).map((e) => e.action);
    assert.deepEqual(audit.slice(0, 4), ['key.revoke', 'key.rotate', 'key.update', 'key.create']);
  });

  test('signing out clears the cookie', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/console/keys', headers: { cookie } });
    const f = form({ csrf: csrfOf(page.body) });
    const out = await h.app.inject({
      method: 'POST',
      url: '/console/sign-out',
      payload: f.payload,
      headers: { ...f.headers, cookie },
    });
    assert.equal(out.statusCode, 303);
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  });
});
