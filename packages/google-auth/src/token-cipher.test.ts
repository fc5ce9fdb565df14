import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createTokenCipher,
  generateTokenEncryptionKey,
  parseTokenEncryptionKeys,
  TokenCipherError,
} from './token-cipher.ts';

describe('token cipher (refresh tokens at rest)', () => {
  const oldKey = Buffer.alloc(32, 1).toString('base64');
  const newKey = Buffer.alloc(32, 2).toString('base64url');

  it('round-trips under its context and never shows the plaintext', async () => {
    const cipher = createTokenCipher(parseTokenEncryptionKeys(oldKey));
    const jwe = await cipher.encrypt('1//refresh-token', 'google-grant:gmail:key_a');
    assert.ok(!jwe.includes('refresh'));
    assert.equal(jwe.split('.').length, 5);
    assert.equal(jwe.split('.')[1], '', 'dir: no encrypted key');
    assert.equal(await cipher.decrypt(jwe, 'google-grant:gmail:key_a'), '1//refresh-token');
  });

  it('rotates: the first key encrypts, every listed key decrypts, a dropped key no longer does', async () => {
    const before = createTokenCipher(parseTokenEncryptionKeys(oldKey));
    const during = createTokenCipher(parseTokenEncryptionKeys(`${newKey},${oldKey}`));
    const after = createTokenCipher(parseTokenEncryptionKeys(newKey));
    const written = await before.encrypt('rt', 'ctx');
    assert.equal(await during.decrypt(written, 'ctx'), 'rt');
    const rewritten = await during.encrypt('rt', 'ctx');
    assert.equal(await after.decrypt(rewritten, 'ctx'), 'rt');
    await assert.rejects(after.decrypt(written, 'ctx'), TokenCipherError);
  });

  it('refuses a blob moved to another grant, or tampered with', async () => {
    const cipher = createTokenCipher([generateTokenEncryptionKey()]);
    const jwe = await cipher.encrypt('rt', 'google-grant:gmail:key_a');
    await assert.rejects(cipher.decrypt(jwe, 'google-grant:gmail:key_b'), /another grant/);
    const parts = jwe.split('.');
    parts[3] = `${parts[3]?.slice(0, -2)}AA`;
    await assert.rejects(cipher.decrypt(parts.join('.'), 'google-grant:gmail:key_a'), TokenCipherError);
  });

  it('accepts only 32-byte keys', () => {
    assert.deepEqual(parseTokenEncryptionKeys(undefined), []);
    assert.throws(() => parseTokenEncryptionKeys('c2hvcnQ='), /32 bytes/);
  });
});
