import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposedName, VALID_NAME } from './namespacing.ts';

describe('exposed names', () => {
  it('prefixes with the upstream, or not', () => {
    assert.equal(exposedName('gmail', true, 'search_threads', new Set()), 'gmail_search_threads');
    assert.equal(exposedName('gmail', false, 'search_threads', new Set()), 'search_threads');
  });

  it('repairs names no client accepts, deterministically, and keeps them valid', () => {
    const dotted = exposedName('docs', true, 'files.search v2', new Set());
    assert.match(dotted, /^docs_files_search_v2_[0-9a-f]{6}$/);
    assert.equal(
      exposedName('docs', true, 'files.search v2', new Set()),
      dotted,
      'same input, same name, on every replica',
    );
    const long = exposedName('blotato', true, 'x'.repeat(80), new Set());
    assert.equal(long.length, 64);
    assert.match(long, VALID_NAME);
  });

  it('resolves a collision in favour of the name taken first', () => {
    const taken = new Set(['search']);
    const second = exposedName('drive', false, 'search', taken);
    assert.notEqual(second, 'search');
    assert.match(second, /^search_[0-9a-f]{6}$/);
    assert.notEqual(exposedName('gmail', false, 'search', taken), second, 'the hash names the upstream');
  });
});
