import { createHash, randomBytes } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';

/**
 * Encrypts refresh tokens at rest: compact JWE, `dir` + `A256GCM`, the key's id in `kid`. Several keys make
 * rotation possible: the first encrypts, all decrypt. The protected header also carries the grant's context
 * (server and key id); it is authenticated, so a blob copied into another key's grant does not decrypt.
 */
export interface TokenCipher {
  encrypt(plaintext: string, context: string): Promise<string>;
  /** Throws TokenCipherError when no key fits, the blob was tampered with, or the context differs. */
  decrypt(jwe: string, context: string): Promise<string>;
}

export class TokenCipherError extends Error {
  override readonly name = 'TokenCipherError';
}

/** A 256-bit key, base64 or base64url: `openssl rand -base64 32`. */
export function parseTokenEncryptionKeys(value: string | undefined): Uint8Array[] {
  if (value === undefined || value.trim() === '') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((encoded, index) => {
      const bytes = Buffer.from(encoded.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
      if (bytes.length !== 32) {
        throw new TokenCipherError(
          `GOOGLE_TOKEN_ENCRYPTION_KEY entry ${index + 1} must be 32 bytes in base64 (openssl rand -base64 32)`,
        );
      }
      return new Uint8Array(bytes);
    });
}

/** A random key for a single process without persistent storage: grants die with the process anyway. */
export function generateTokenEncryptionKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function createTokenCipher(keys: Uint8Array[]): TokenCipher {
  const [primary] = keys;
  if (primary === undefined) throw new TokenCipherError('token cipher: at least one key is required');
  const byKid = new Map(keys.map((key) => [kidOf(key), key]));
  const primaryKid = kidOf(primary);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  return {
    async encrypt(plaintext, context) {
      return new CompactEncrypt(encoder.encode(plaintext))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: primaryKid, ctx: context })
        .encrypt(primary);
    },
    async decrypt(jwe, context) {
      let header: ReturnType<typeof decodeProtectedHeader>;
      try {
        header = decodeProtectedHeader(jwe);
      } catch {
        throw new TokenCipherError('stored token is not a JWE');
      }
      const key = typeof header.kid === 'string' ? byKid.get(header.kid) : undefined;
      if (key === undefined) throw new TokenCipherError(`no configured key has id ${String(header.kid)}`);
      try {
        const { plaintext, protectedHeader } = await compactDecrypt(jwe, key, {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        if (protectedHeader['ctx'] !== context) throw new TokenCipherError('stored token belongs to another grant');
        return decoder.decode(plaintext);
      } catch (error) {
        if (error instanceof TokenCipherError) throw error;
        throw new TokenCipherError('stored token failed to decrypt');
      }
    },
  };
}

/** Non-secret key id, so a rotated set finds the key a blob was written with. */
function kidOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 10);
}
