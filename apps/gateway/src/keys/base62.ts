import { randomInt } from 'node:crypto';

/** Digits, then upper, then lower case: in ASCII order, so fixed-width base62 strings sort like their numbers. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters drawn uniformly from the CSPRNG (randomInt rejects biased draws). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62_ALPHABET[randomInt(62)];
  return out;
}

/** A non-negative integer as exactly `width` base62 digits (left-padded with `0`). */
export function encodeBase62(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError('encodeBase62 expects a safe non-negative integer');
  let out = '';
  let rest = value;
  do {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  if (out.length > width) throw new RangeError(`${value} does not fit in ${width} base62 digits`);
  return out.padStart(width, '0');
}
