import { createHash, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { encodeBase62, randomBase62 } from './base62.ts';

/**
 * Switchboard API key tokens: `sb_` + 33 random base62 characters (≈196 bits from the CSPRNG) + a 6-character
 * base62 CRC32 of everything before it. The checksum lets secret scanners and our own parser reject typos and
 * truncations without a lookup (the scheme GitHub uses for its tokens:
 * https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/).
 * Only the SHA-256 of the whole token is stored.
 */
export const TOKEN_PREFIX = 'sb_';
const SECRET_LENGTH = 33;
const CHECKSUM_LENGTH = 6;
/** Characters shown in listings and logs: `sb_` plus 5 secret characters (≈30 of 196 bits). */
const DISPLAY_PREFIX_LENGTH = 8;
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${SECRET_LENGTH + CHECKSUM_LENGTH}}$`);

export interface GeneratedToken {
  /** The plaintext; returned to the caller once and never stored. */
  token: string;
  hash: string;
  prefix: string;
}

export function generateApiKeyToken(): GeneratedToken {
  const token = assembleApiKeyToken(randomBase62(SECRET_LENGTH));
  return { token, hash: hashApiKeyToken(token), prefix: displayPrefix(token) };
}

/** `sb_` + secret + checksum. Exposed for tests that need well-formed tokens with chosen secrets. */
export function assembleApiKeyToken(secret: string): string {
  const body = TOKEN_PREFIX + secret;
  return body + checksum(body);
}

export type TokenShape = 'ok' | 'malformed' | 'checksum';

/** Whether a string can be a Switchboard token at all, before any lookup. */
export function checkApiKeyTokenShape(token: string): TokenShape {
  if (!TOKEN_PATTERN.test(token)) return 'malformed';
  const body = token.slice(0, -CHECKSUM_LENGTH);
  return checksum(body) === token.slice(-CHECKSUM_LENGTH) ? 'ok' : 'checksum';
}

/** Lowercase hex SHA-256 of the whole token: the only form in which a secret is stored or indexed. */
export function hashApiKeyToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function displayPrefix(token: string): string {
  return token.slice(0, DISPLAY_PREFIX_LENGTH);
}

function checksum(body: string): string {
  return encodeBase62(crc32(body), CHECKSUM_LENGTH);
}

/** Constant-time equality of two hex SHA-256 digests (the length is public: always 64). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}
