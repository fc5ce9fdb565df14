import { SwitchboardError } from '@switchboard/errors';
import type { AuditLog } from '../audit/audit-log.ts';
import { AuditThrottle } from '../audit/audit-throttle.ts';
import { type Clock, systemClock } from '../clock.ts';
import { checkApiKeyTokenShape, hashApiKeyToken } from './api-key-token.ts';
import { type CachedLookup, deepFreeze, freshEntry, type KeyCacheTtls, loadOrStale } from './key-cache-policy.ts';
import type { KeyEvent, KeyEvents } from './key-events.ts';
import type { KeyLimits } from './key-limits.ts';
import type { KeyMatch, KeyStore } from './key-store.ts';
import { LastUsedRecorder } from './last-used-recorder.ts';
import { sharedRead } from './store-unavailable.ts';

/** What the rest of the gateway knows about the caller after authentication. */
export interface AuthenticatedKey {
  id: string;
  name: string;
  owner: string;
  scopes: readonly string[];
  limits: Readonly<KeyLimits>;
  /** Display prefix of the secret that was presented (tells a rotated-out secret from the current one). */
  prefix: string;
}

export type AuthFailureReason = 'missing' | 'malformed' | 'checksum' | 'unknown' | 'revoked' | 'expired' | 'rotated';

export interface KeyAuthenticatorOptions {
  store: KeyStore;
  events: KeyEvents;
  clock?: Clock | undefined;
  /** Failed authentications are audited (throttled per ip and reason). */
  audit?: AuditLog | undefined;
  /** Cache lifetime of a found key while invalidations arrive; default 30 s. */
  cacheTtlMs?: number | undefined;
  /** Cache lifetime of "no such key"; default 5 s. */
  negativeCacheTtlMs?: number | undefined;
  /** Cache lifetime of anything while invalidations may be missed; default 250 ms (the ≤ 1 s promise). */
  degradedCacheTtlMs?: number | undefined;
  maxCacheEntries?: number | undefined;
  /** How long a key seen before a store outage keeps working during it; default 15 min. */
  staleIfErrorMs?: number | undefined;
  /** How often coalesced last-used marks are written; default 5 s. */
  usageFlushMs?: number | undefined;
  logger?: { warn(details: object, message: string): void } | undefined;
}

interface Snapshot {
  key: AuthenticatedKey;
  expiresAt: number | null;
  revokedAt: number | null;
  secretExpiresAt: number | null;
}

/** Cache age runs on the monotonic clock (`storedAt`), key expiry on the injected one. */
interface CacheEntry extends CachedLookup {
  keyId: string | null;
  snapshot: Snapshot | null;
}

/**
 * Turns a bearer token into the key it belongs to. The hot path costs no store round trip in steady state:
 * results (found and not found) are cached by token hash. Changes still reach every replica within 1 s:
 * the key service publishes an invalidation on every mutation, and while this process cannot be sure it
 * hears them (subscriber down) cache entries live only `degradedCacheTtlMs`. Expiry and the end of a
 * rotation grace are checked against the clock on every call, cached or not.
 *
 * Timing: the token is hashed and looked up by hash, so how long a refusal takes does not depend on how
 * much of a real token was guessed; the one comparison against stored secrets is `timingSafeEqual`.
 */
export class KeyAuthenticator {
  readonly #store: KeyStore;
  readonly #events: KeyEvents;
  readonly #clock: Clock;
  readonly #audit: AuditLog | undefined;
  readonly #logger: KeyAuthenticatorOptions['logger'];
  readonly #ttl: KeyCacheTtls;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #hashesByKey = new Map<string, Set<string>>();
  readonly #inFlight = new Map<string, Promise<KeyMatch | null>>();
  readonly #lastUsed: LastUsedRecorder;
  readonly #throttle = new AuditThrottle();
  readonly #unsubscribe: () => void;
  /** Bumped by every invalidation; a lookup that raced one does not cache its (possibly stale) answer. */
  #epoch = 0;

  constructor(options: KeyAuthenticatorOptions) {
    this.#store = options.store;
    this.#events = options.events;
    this.#clock = options.clock ?? systemClock;
    this.#audit = options.audit;
    this.#logger = options.logger;
    this.#ttl = {
      positive: options.cacheTtlMs ?? 30_000,
      negative: options.negativeCacheTtlMs ?? 5_000,
      degraded: options.degradedCacheTtlMs ?? 250,
      staleIfError: options.staleIfErrorMs ?? 15 * 60_000,
    };
    this.#maxEntries = options.maxCacheEntries ?? 10_000;
    this.#unsubscribe = this.#events.subscribe((event) => this.#invalidate(event));
    this.#lastUsed = new LastUsedRecorder(options.store, options.logger, options.usageFlushMs);
  }

  /** Throws SwitchboardError UNAUTHENTICATED (with `reason`) or STORE_UNAVAILABLE. */
  async authenticate(token: string, ip: string): Promise<AuthenticatedKey> {
    if (token === '') return this.#refuse('missing', ip);
    const shape = checkApiKeyTokenShape(token);
    if (shape !== 'ok') return this.#refuse(shape, ip);

    const hash = hashApiKeyToken(token);
    const entry =
      freshEntry(this.#cache, hash, this.#ttl, this.#events.isLive()) ??
      (await loadOrStale(this.#cache, hash, this.#ttl, (h) => this.#load(h)));
    const snapshot = entry.snapshot;
    if (snapshot === null) return this.#refuse('unknown', ip);

    const now = this.#clock.now();
    const { key } = snapshot;
    if (snapshot.revokedAt !== null) return this.#refuse('revoked', ip, key.id);
    if (snapshot.expiresAt !== null && snapshot.expiresAt <= now) {
      return this.#refuse('expired', ip, key.id, snapshot.expiresAt);
    }
    if (snapshot.secretExpiresAt !== null && snapshot.secretExpiresAt <= now) {
      return this.#refuse('rotated', ip, key.id, snapshot.secretExpiresAt);
    }
    this.#lastUsed.mark(key.id, now, ip);
    return key;
  }

  /** Writes coalesced last-used marks (also runs on a timer and on close). */
  flushUsage(): Promise<void> {
    return this.#lastUsed.flush();
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.#lastUsed.close();
  }

  async #load(hash: string): Promise<CacheEntry> {
    const epoch = this.#epoch;
    const match: KeyMatch | null = await sharedRead(this.#inFlight, hash, () => this.#find(hash));
    const entry: CacheEntry = {
      keyId: match?.record.id ?? null,
      snapshot: match === null ? null : snapshotOf(match),
      storedAt: performance.now(),
      found: match !== null,
    };
    if (epoch === this.#epoch) this.#remember(hash, entry);
    return entry;
  }

  /**
   * The key holding this secret, or the key that held it until a rotation retired it: then the match carries
   * a secret that has stopped (so the refusal is "rotated", or "revoked" if the key was revoked since), never
   * one that authenticates.
   */
  async #find(hash: string): Promise<KeyMatch | null> {
    const match = await this.#store.findByHash(hash);
    if (match !== null) return match;
    const retired = await this.#store.findRetired(hash);
    if (retired === null) return null;
    const record = await this.#store.get(retired.keyId);
    if (record === null) return null;
    const stoppedAt = Math.min(retired.retiredAt, this.#clock.now());
    return { record, secret: { hash, prefix: retired.prefix, createdAt: stoppedAt, expiresAt: stoppedAt } };
  }

  #remember(hash: string, entry: CacheEntry): void {
    this.#forget(hash);
    if (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#forget(oldest.value);
    }
    this.#cache.set(hash, entry);
    if (entry.keyId !== null) {
      const hashes = this.#hashesByKey.get(entry.keyId) ?? new Set<string>();
      hashes.add(hash);
      this.#hashesByKey.set(entry.keyId, hashes);
    }
  }

  #forget(hash: string): void {
    const entry = this.#cache.get(hash);
    if (entry === undefined) return;
    this.#cache.delete(hash);
    if (entry.keyId === null) return;
    const hashes = this.#hashesByKey.get(entry.keyId);
    hashes?.delete(hash);
    if (hashes?.size === 0) this.#hashesByKey.delete(entry.keyId);
  }

  #invalidate(event: KeyEvent): void {
    this.#epoch++;
    if (event.type === 'resync') {
      this.#cache.clear();
      this.#hashesByKey.clear();
      return;
    }
    for (const hash of event.hashes) this.#forget(hash);
    for (const hash of [...(this.#hashesByKey.get(event.keyId) ?? [])]) this.#forget(hash);
  }

  #refuse(reason: AuthFailureReason, ip: string, keyId?: string, at?: number): never {
    if (this.#audit !== undefined && this.#throttle.shouldRecord(`${ip}|${reason}|${keyId ?? ''}`, this.#clock.now())) {
      this.#audit
        .record({ actor: keyId ?? 'anonymous', action: 'auth.failed', target: keyId, ip, outcome: 'denied', reason })
        .catch((error: unknown) => this.#logger?.warn({ err: error }, 'could not write audit entry'));
    }
    throw new SwitchboardError('UNAUTHENTICATED', refusalSentence(reason, keyId, at), { details: { reason } });
  }
}

function refusalSentence(reason: AuthFailureReason, keyId: string | undefined, at: number | undefined): string {
  const when = at === undefined ? '' : new Date(at).toISOString();
  switch (reason) {
    case 'missing':
      return 'No API key was sent; send it as "Authorization: Bearer sb_…".';
    case 'malformed':
      return 'The API key is malformed: a Switchboard key is "sb_" followed by 39 letters and digits.';
    case 'checksum':
      return 'The API key fails its checksum, so it was mistyped or cut short; copy it again from where it was issued.';
    case 'unknown':
      return 'The API key is not known to this gateway; check that it is complete or ask an admin for a new one.';
    case 'revoked':
      return `API key ${keyId} was revoked; ask an admin for a new key.`;
    case 'expired':
      return `API key ${keyId} expired at ${when}; ask an admin to extend or replace it.`;
    case 'rotated':
      return `This secret of API key ${keyId} was replaced by a rotation and stopped working at ${when}; use the new secret.`;
  }
}

function snapshotOf({ record, secret }: KeyMatch): Snapshot {
  const key: AuthenticatedKey = Object.freeze({
    id: record.id,
    name: record.name,
    owner: record.owner,
    scopes: Object.freeze([...record.scopes]),
    limits: deepFreeze(structuredClone(record.limits)),
    prefix: secret.prefix,
  });
  return { key, expiresAt: record.expiresAt, revokedAt: record.revokedAt, secretExpiresAt: secret.expiresAt };
}
