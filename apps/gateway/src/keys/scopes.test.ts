import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { scopeAllows, scopeListSchema, scopePatternSchema } from './scopes.ts';

describe('scopeAllows', () => {
  const cases: [string[], string, boolean][] = [
    [['*'], 'gmail_search_threads', true],
    [['gmail_*'], 'gmail_search_threads', true],
    [['gmail_*'], 'gmail', false],
    [['gmail'], 'gmail', true],
    [['gmail_*'], 'drive_search_files', false],
    [['drive_search_files'], 'drive_search_files', true],
    [['drive_search_files'], 'drive_search_files_v2', false],
    [['*_search_*'], 'drive_search_files', true],
    [['blotato_*_post'], 'blotato_create_post', true],
    [['blotato_*_post'], 'blotato_create_post_draft', false],
    [['a*a*a*a*a*b'], 'a'.repeat(64), false],
    [[], 'gmail_send', false],
    [['admin'], 'admin', false],
    [['*'], 'admin', true],
    [['GMAIL_*'], 'gmail_send', false],
  ];
  for (const [scopes, name, expected] of cases) {
    test(`${JSON.stringify(scopes)} ${expected ? 'grants' : 'does not grant'} ${name}`, () => {
      assert.equal(scopeAllows(scopes, name), expected);
    });
  }
});

describe('scope patterns', () => {
  test('accept tool-name globs and the admin scope', () => {
    for (const ok of ['*', 'gmail_*', 'drive_search_files', 'admin', 'a-b_c*'])
      assert.ok(scopePatternSchema.safeParse(ok).success, ok);
  });

  test('reject homoglyphs, spaces, control and format characters, other glob syntax', () => {
    for (const bad of [
      'gm\u0430il_*',
      'gmail *',
      'gmail_\u0000',
      '\u202egmail',
      'gmail_?',
      'gmail_[a]',
      '',
      'x'.repeat(65),
    ]) {
      assert.equal(scopePatternSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  test('reject repeated scopes', () => {
    assert.equal(scopeListSchema.safeParse(['gmail_*', 'gmail_*']).success, false);
  });
});
