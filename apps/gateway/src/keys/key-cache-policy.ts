import { isSwitchboardError } from '@switchboard/errors';

/** How long a cached key lookup may answer, shared by the API-key and the OAuth-token authenticators. */
export interface KeyCacheTtls {
  /** A key that was found, while invalidations arrive. */
  positive: number;
  /** "No such key", while invalidations arrive. */
  negative: number;
  /** Anything, while invalidations may be missed (subscriber down): keeps the ≤ 1 s revocation promise. */
  degraded: number;
  /** A found key during a store outage (see `staleAnswer`). */
  staleIfError: number;
}

export interface CachedLookup {
  storedAt: number;
  found: boolean;
}

export function isFresh(entry: CachedLookup, ttls: KeyCacheTtls, invalidationsLive: boolean): boolean {
  const ttl = !invalidationsLive ? ttls.degraded : entry.found ? ttls.positive : ttls.negative;
  return performance.now() - entry.storedAt < ttl;
}

/**
 * Whether a store failure may be answered from an expired entry. A store outage must not lock every team
 * member out; it gives up nothing of the revocation promise, because a revocation is a store write too and
 * cannot happen while the store is down, and one that happened before the outage already removed the entry.
 */
export function staleAnswer(error: unknown, entry: CachedLookup | undefined, ttls: KeyCacheTtls): boolean {
  const unavailable = isSwitchboardError(error) && error.code === 'STORE_UNAVAILABLE';
  if (!unavailable || entry === undefined || !entry.found) return false;
  return performance.now() - entry.storedAt <= ttls.staleIfError;
}
