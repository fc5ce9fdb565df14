import { encodeBase62, randomBase62 } from './base62.ts';

/**
 * `key_` + creation time (8 base62 digits of epoch ms) + 12 random base62 characters. Ids sort by creation
 * time, which gives list pagination a stable order and a cursor that is simply the last id seen.
 * Ids are identifiers, not secrets.
 */
export function newKeyId(nowMs: number): string {
  return `key_${encodeBase62(nowMs, 8)}${randomBase62(12)}`;
}

export const KEY_ID_PATTERN = /^key_[0-9A-Za-z]{1,64}$/;
