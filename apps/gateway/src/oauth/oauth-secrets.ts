import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque OAuth secrets (authorization codes, refresh tokens, client secrets) are 256 random bits behind a
 * readable prefix; only their SHA-256 is ever stored. The prefixes tell a leaked string's kind to a secret
 * scanner and to a person, and none starts with `sb_`, which the `/mcp` authenticator routes to API keys.
 */
export const SECRET_PREFIX = {
  code: 'sbac_',
  refreshToken: 'sbrt_',
  clientSecret: 'sbcs_',
  clientId: 'sbc_',
} as const;

export function randomSecret(prefix: string, bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests of the same algorithm. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/**
 * A short, one-way name for an API-key secret (from the SHA-256 the key store keeps), carried in tokens so
 * a token can follow the exact secret it was granted with through a rotation without carrying the hash
 * itself. 128 bits: collisions between the at most two live secrets of a key are out of the question.
 */
export function secretFingerprint(secretHash: string): string {
  return createHash('sha256').update(`switchboard-oauth-secret:${secretHash}`, 'utf8').digest('base64url').slice(0, 22);
}
