import { BASE62_ALPHABET, encodeBase62, randomBase62 } from './base62.ts';

let lastId = '';

/**
 * `key_` + creation time (8 base62 digits of epoch ms) + 12 random base62 characters. Ids sort by creation
 * time, which gives list pagination a stable order and a cursor that is simply the last id seen. Within one
 * process they also sort by creation inside a millisecond (and across a clock stepping back): an id that would
 * not sort after the previous one becomes its successor. Ids are identifiers, not secrets.
 */
export function newKeyId(nowMs: number): string {
  const id = `key_${encodeBase62(nowMs, 8)}${randomBase62(12)}`;
  lastId = id > lastId ? id : successor(lastId);
  return lastId;
}

/** The next base62 string of the same length (the random part never runs out: 62^12 ids a millisecond). */
function successor(id: string): string {
  const chars = [...id];
  for (let i = chars.length - 1; i >= 'key_'.length; i--) {
    const digit = BASE62_ALPHABET.indexOf(chars[i] ?? '');
    if (digit < 61) {
      chars[i] = BASE62_ALPHABET[digit + 1] ?? '0';
      return chars.join('');
    }
    chars[i] = '0';
  }
  throw new RangeError('key id space exhausted');
}

export const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{1,64}$/;
