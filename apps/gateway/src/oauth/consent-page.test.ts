import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CONSENT_STYLE_HASH, renderErrorPage, renderGrantStep, renderKeyStep } from './consent-page.ts';

const client = {
  name: '<script>alert("x")</script>',
  kind: 'dynamic' as const,
  id: 'sbc_x',
  returnsTo: 'claude.ai',
  resource: 'https://gw.example.com/mcp',
};

describe('consent pages', () => {
  it('escape everything a client or a key chose (names, hosts, field values)', () => {
    const key = { name: 'a"b<i>', owner: "o'wner", prefix: 'sb_abcde', scopes: ['*', 'gmail_*', 'admin'] };
    for (const html of [
      renderKeyStep({
        client,
        action: '/authorize/consent',
        fields: { state_token: '"><b>', csrf: 'c' },
        error: '<img src=x>',
      }),
      renderGrantStep({ client, key, action: '/authorize/consent', fields: { state_token: 't', csrf: 'c' } }),
      renderErrorPage({ title: '<h1>', message: '<script>' }),
    ]) {
      assert.equal(/<script|<img|<i>|"><b>/.test(html), false, html);
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<main>/);
    }
  });

  it('labels the key field, focuses it, and ties an error to it', () => {
    const html = renderKeyStep({ client, action: '/authorize/consent', fields: {}, error: 'That key is revoked.' });
    assert.match(html, /<label for="api_key">/);
    assert.match(html, /id="api_key"[^>]*autofocus/);
    assert.match(html, /id="key-error" role="alert"/);
    assert.match(html, /aria-describedby="key-error key-hint"/);
    assert.match(html, /aria-invalid="true"/);
    assert.match(html, /name given by the application itself/);
  });

  it('lists what the key grants, without the admin scope, and says who gets it', () => {
    const key = {
      name: 'laptop',
      owner: 'ada',
      prefix: 'sb_abcde',
      scopes: ['gmail_*', 'drive_search_files', 'admin'],
    };
    const html = renderGrantStep({
      client: { ...client, name: 'Claude' },
      key,
      action: '/authorize/consent',
      fields: {},
    });
    assert.match(html, /Allow Claude to use Switchboard with the key “laptop”/);
    assert.match(html, /<code>gmail_\*<\/code>: every tool whose name starts with “gmail_”/);
    assert.match(html, /<code>drive_search_files<\/code>/);
    assert.doesNotMatch(html, /<code>admin<\/code>/);
    assert.match(html, /value="approve" class="primary" autofocus/);
    assert.match(html, /value="deny"/);
  });

  it('pins its one stylesheet by hash (CSP style-src)', () => {
    const html = renderErrorPage({ title: 't', message: 'm' });
    const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
    assert.equal(`sha256-${createHash('sha256').update(style).digest('base64')}`, CONSENT_STYLE_HASH);
  });
});
