import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { MemoryOAuthStore } from './memory-oauth-store.ts';
import { SigningKeys } from './signing-keys.ts';

const options = (now = Date.now()) => ({
  typ: 'at+jwt',
  issuer: 'https://gw.example.com',
  audience: 'https://gw.example.com/mcp',
  issuedAt: Math.floor(now / 1000),
  expiresAt: Math.floor(now / 1000) + 60,
});
const verifyOptions = {
  typ: 'at+jwt',
  issuer: 'https://gw.example.com',
  audience: 'https://gw.example.com/mcp',
  currentDate: new Date(),
};

describe('signing keys', () => {
  it('generates one P-256 key and shares it through the store (first writer wins)', async () => {
    const store = new MemoryOAuthStore();
    const a = await SigningKeys.load({ configured: undefined, store });
    const b = await SigningKeys.load({ configured: undefined, store });
    assert.equal(a.generated, true);
    assert.equal(a.keys.signingAlgorithm, 'ES256');
    assert.deepEqual(b.keys.jwks, a.keys.jwks);
    const token = await a.keys.sign({ sub: 'x' }, options());
    assert.equal((await b.keys.verify(token, verifyOptions))['sub'], 'x');
    const [jwk] = a.keys.jwks.keys;
    assert.equal(jwk?.d, undefined, 'the JWKS holds public keys only');
    assert.equal(jwk?.use, 'sig');
  });

  it('reads PKCS8 PEM (escaped newlines too), Ed25519 and RSA', async () => {
    for (const [type, alg] of [
      ['ec', 'ES256'],
      ['ed25519', 'EdDSA'],
      ['rsa', 'RS256'],
    ] as const) {
      const { privateKey } =
        type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : type === 'rsa'
            ? generateKeyPairSync('rsa', { modulusLength: 2048 })
            : generateKeyPairSync('ed25519');
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      const keys = await SigningKeys.parse(pem.replaceAll('\n', '\\n'));
      assert.equal(keys.signingAlgorithm, alg);
      const token = await keys.sign({}, options());
      await keys.verify(token, verifyOptions);
    }
  });

  it('rolls keys: the first private key signs, a public-only old key still verifies its tokens', async () => {
    const oldKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const newKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const before = await SigningKeys.parse(JSON.stringify({ ...oldKey, kid: 'old' }));
    const oldToken = await before.sign({}, options());
    const { d: _, ...oldPublic } = oldKey;
    const after = await SigningKeys.parse(
      JSON.stringify({
        keys: [
          { ...newKey, kid: 'new' },
          { ...oldPublic, kid: 'old' },
        ],
      }),
    );
    await after.verify(oldToken, verifyOptions);
    const newToken = await after.sign({}, options());
    assert.equal(JSON.parse(Buffer.from(newToken.split('.')[0] ?? '', 'base64url').toString())['kid'], 'new');
    assert.deepEqual(
      after.jwks.keys.map((k) => k.kid),
      ['new', 'old'],
    );
    // Dropping the old key ends its tokens.
    const later = await SigningKeys.parse(JSON.stringify({ keys: [{ ...newKey, kid: 'new' }] }));
    await assert.rejects(later.verify(oldToken, verifyOptions));
  });

  it('refuses configurations that cannot sign safely', async () => {
    const publicOnly = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    await assert.rejects(SigningKeys.parse(JSON.stringify(publicOnly)), /no private key/);
    await assert.rejects(SigningKeys.parse('not a key'), /neither a JWK/);
    await assert.rejects(SigningKeys.parse('{"keys": ['), /does not parse/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    await assert.rejects(SigningKeys.parse(small.toString()), /2048/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    await assert.rejects(SigningKeys.parse(JSON.stringify({ ...ec, alg: 'ES384' })), /cannot sign ES384/);
  });

  it('verifies only its own kind of token for its audience', async () => {
    const keys = await SigningKeys.parse(
      JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })),
    );
    const token = await keys.sign({}, { ...options(), typ: 'sb-consent+jwt' });
    await assert.rejects(keys.verify(token, verifyOptions));
    const other = await keys.sign({}, { ...options(), audience: 'https://elsewhere.example.com/mcp' });
    await assert.rejects(keys.verify(other, verifyOptions));
  });
});
