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

/** What every cached lookup records, found or not. */
export interface CachedLookup {
  /** performance.now() when stored: cache age runs on the monotonic clock. */
  storedAt: number;
  found: boolean;
}

/**
 * The cached entry for `id` while it may answer without asking the store. An expired entry stays in the
 * cache until it is replaced, invalidated or evicted: it is the answer of last resort during a store outage.
 */
export function freshEntry<E extends CachedLookup>(
  cache: ReadonlyMap<string, E>,
  id: string,
  ttls: KeyCacheTtls,
  invalidationsLive: boolean,
): E | undefined {
  const entry = cache.get(id);
  if (entry === undefined) return undefined;
  const ttl = !invalidationsLive ? ttls.degraded : entry.found ? ttls.positive : ttls.negative;
  return performance.now() - entry.storedAt < ttl ? entry : undefined;
}

/** Loads `id` from the store; if the store is down, answers from the last known state where `staleAnswer` allows. */
export async function loadOrStale<E extends CachedLookup>(
  cache: ReadonlyMap<string, E>,
  id: string,
  ttls: KeyCacheTtls,
  load: (id: string) => Promise<E>,
): Promise<E> {
  try {
    return await load(id);
  } catch (error) {
    const stale = cache.get(id);
    if (stale === undefined || !staleAnswer(error, stale, ttls)) throw error;
    return stale;
  }
}

/**
 * Whether a store failure may be answered from an expired entry. A store outage must not lock every team
 * member out; it gives up nothing of the revocation promise, because a revocation is a store write too and
 * cannot happen while the store is down, and one that happened before the outage already removed the entry.
 */
function staleAnswer(error: unknown, entry: CachedLookup, ttls: KeyCacheTtls): boolean {
  const unavailable = isSwitchboardError(error) && error.code === 'STORE_UNAVAILABLE';
  if (!unavailable || !entry.found) return false;
  return performance.now() - entry.storedAt <= ttls.staleIfError;
}

/** Cached keys are shared by every request; freezing them stops one caller from editing another's view. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
