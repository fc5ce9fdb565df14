import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  checkApiKeyTokenShape,
  displayPrefix,
  generateApiKeyToken,
  hashApiKeyToken,
  sameHash,
} from './api-key-token.ts';
import { BASE62_ALPHABET } from './base62.ts';

describe('API key tokens', () => {
  test('look like sb_ + 39 base62 characters, carry a valid checksum and hash to SHA-256', () => {
    const { token, hash, prefix } = generateApiKeyToken();
    assert.match(token, /^sb_[0-9A-Za-z]{39}$/);
    assert.equal(checkApiKeyTokenShape(token), 'ok');
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(prefix, token.slice(0, 8));
    assert.equal(displayPrefix(token), prefix);
  });

  test('are unique and use the whole alphabet (no visible bias in 2 000 tokens)', () => {
    const tokens = Array.from({ length: 2000 }, () => generateApiKeyToken().token);
    assert.equal(new Set(tokens).size, tokens.length);
    const counts = new Map<string, number>();
    for (const t of tokens) for (const c of t.slice(3, 36)) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 62);
    const expected = (2000 * 33) / 62;
    for (const n of counts.values()) assert.ok(Math.abs(n - expected) < expected * 0.25, `count ${n} vs ${expected}`);
  });

  test('any single-character typo is caught by the checksum without a lookup', () => {
    const { token } = generateApiKeyToken();
    fc.assert(
      fc.property(fc.integer({ min: 3, max: token.length - 1 }), fc.constantFrom(...BASE62_ALPHABET), (i, c) => {
        fc.pre(token[i] !== c);
        const typo = token.slice(0, i) + c + token.slice(i + 1);
        assert.equal(checkApiKeyTokenShape(typo), 'checksum');
      }),
      { numRuns: 500 },
    );
  });

  test('truncated, padded or foreign strings are malformed', () => {
    const { token } = generateApiKeyToken();
    for (const bad of [
      '',
      'sb_',
      token.slice(0, -1),
      `${token}x`,
      token.replace('sb_', 'sk_'),
      `${token.slice(0, -1)}\u0430`,
    ]) {
      assert.equal(checkApiKeyTokenShape(bad), 'malformed', JSON.stringify(bad));
    }
  });

  test('sameHash compares digests and rejects anything that is not one', () => {
    const a = hashApiKeyToken('a');
    assert.equal(sameHash(a, hashApiKeyToken('a')), true);
    assert.equal(sameHash(a, hashApiKeyToken('b')), false);
    assert.equal(sameHash(a, 'zz'), false);
  });
});
