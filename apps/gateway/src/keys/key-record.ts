import type { KeyLimits } from './key-limits.ts';

/** One secret of a key. Never the plaintext: the SHA-256 of the token, and its non-secret display prefix. */
export interface StoredSecret {
  hash: string;
  prefix: string;
  createdAt: number;
  /** Set on the previous secret during a rotation grace; null for the current secret. */
  expiresAt: number | null;
}

/** A key as stored. Times are epoch milliseconds. */
export interface KeyRecord {
  id: string;
  name: string;
  owner: string;
  scopes: string[];
  limits: KeyLimits;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
  /** Newest first: the current secret, then at most one previous secret in its rotation grace. */
  secrets: StoredSecret[];
}

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function keyStatus(record: Pick<KeyRecord, 'revokedAt' | 'expiresAt'>, now: number): KeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
  return 'active';
}

export function secretIsLive(secret: StoredSecret, now: number): boolean {
  return secret.expiresAt === null || secret.expiresAt > now;
}
