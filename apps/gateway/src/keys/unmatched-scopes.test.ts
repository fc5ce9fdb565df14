import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ScopeCatalog, unmatchedScopes } from './unmatched-scopes.ts';

describe('unmatchedScopes', () => {
  // gmail and blotato are up and listed their tools; drive is configured but down (nothing listed yet).
  const catalog: ScopeCatalog = {
    upstreams: [
      { name: 'blotato', prefixed: true },
      { name: 'gmail', prefixed: true },
      { name: 'drive', prefixed: true },
    ],
    names: new Map([
      ['blotato', ['blotato_create_post', 'blotato_list_accounts']],
      ['gmail', ['gmail_search_threads', 'gmail_get_thread', 'gmail_triage']],
    ]),
  };
  const refused = (scopes: string[]) => unmatchedScopes(scopes, catalog);

  test('scopes that grant a listed tool, a namespace, everything, or the admin API are accepted', () => {
    assert.deepEqual(refused(['*', 'admin', 'gmail_*', 'blotato_create_*', 'gmail_search_threads', 'gmail_']), []);
  });

  test('scopes matching no tool of any configured upstream are returned, in order', () => {
    assert.deepEqual(refused(['bogus', 'gmail_*', 'nosuch_*', 'gmail', 'gmial_*']), [
      'bogus',
      'nosuch_*',
      'gmail',
      'gmial_*',
    ]);
  });

  test('an upstream that has listed its tools is held to them', () => {
    assert.deepEqual(refused(['gmail_serch_threads', 'gmail_send*', 'blotato_delete_*']), [
      'gmail_serch_threads',
      'gmail_send*',
      'blotato_delete_*',
    ]);
  });

  test('a configured upstream that is down: its namespace and exact names in it count', () => {
    assert.deepEqual(refused(['drive_*', 'drive_search_files', 'drive_sea*', 'dr*']), []);
  });

  test('patterns /mcp never grants (a star not at the end) are refused', () => {
    assert.deepEqual(refused(['*_search_threads', 'gmail_*_thread']), ['*_search_threads', 'gmail_*_thread']);
  });

  test('an unprefixed upstream: its listed names count; while it has listed nothing, anything does', () => {
    const listed: ScopeCatalog = {
      upstreams: [{ name: 'fixture', prefixed: false }],
      names: new Map([['fixture', ['echo']]]),
    };
    assert.deepEqual(unmatchedScopes(['echo', 'ech*', 'other'], listed), ['other']);
    const down: ScopeCatalog = { upstreams: [{ name: 'fixture', prefixed: false }], names: new Map() };
    assert.deepEqual(unmatchedScopes(['anything'], down), []);
  });

  test('with no upstream configured only "*" and "admin" stand', () => {
    assert.deepEqual(unmatchedScopes(['*', 'admin', 'gmail_*'], { upstreams: [], names: new Map() }), ['gmail_*']);
  });
});
