import { SwitchboardError } from '@switchboard/errors';
import type { Clock } from '../clock.ts';
import type { KeyEvent, KeyEvents, KeyLimits, KeyRecord, KeyStore } from '../keys/index.ts';
import { type CachedLookup, deepFreeze, freshEntry, type KeyCacheTtls, loadOrStale } from '../keys/key-cache-policy.ts';
import { LastUsedRecorder } from '../keys/last-used-recorder.ts';
import { sharedRead } from '../keys/store-unavailable.ts';
import { secretFingerprint } from './oauth-secrets.ts';

/** The key behind an OAuth grant, as `/mcp` sees it (the shape `KeyAuthenticator` returns for `sb_…` tokens). */
export interface BoundKey {
  id: string;
  name: string;
  owner: string;
  scopes: readonly string[];
  limits: Readonly<KeyLimits>;
  /** Display prefix of the secret the grant was made with. */
  prefix: string;
}

export type BoundKeyRefusal = 'unknown' | 'revoked' | 'expired' | 'rotated';

export interface BoundKeysOptions {
  store: Pick<KeyStore, 'get' | 'markUsed'>;
  events: KeyEvents;
  clock: Clock;
  /** Cache lifetime of a key record while invalidations arrive; default 30 s. */
  cacheTtlMs?: number | undefined;
  /** Cache lifetime while invalidations may be missed; default 250 ms (revocation reaches us within 1 s). */
  degradedCacheTtlMs?: number | undefined;
  /** How long a key seen before a store outage keeps working during it; default 15 min. */
  staleIfErrorMs?: number | undefined;
  /** Cache lifetime of "no such key"; default 5 s. */
  negativeCacheTtlMs?: number | undefined;
  maxEntries?: number | undefined;
  usageFlushMs?: number | undefined;
  logger?: { warn(details: object, message: string): void } | undefined;
}

interface Entry extends CachedLookup {
  record: KeyRecord | null;
  /** Secret fingerprint → the secret's display prefix and expiry (computed once per cached record). */
  secrets: Map<string, { prefix: string; expiresAt: number | null }>;
}

/**
 * Resolves the API key an OAuth grant is bound to, by key id. Like `KeyAuthenticator` (which looks keys up
 * by secret hash), it caches records and drops them on every `KeyEvents` invalidation, so a revocation or
 * rotation made on any replica applies here within a second; revocation, expiry and the end of a rotation
 * grace are checked against the clock on every call.
 */
export class BoundKeys {
  readonly #store: BoundKeysOptions['store'];
  readonly #events: KeyEvents;
  readonly #clock: Clock;
  readonly #ttl: KeyCacheTtls;
  readonly #maxEntries: number;
  readonly #logger: BoundKeysOptions['logger'];
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<KeyRecord | null>>();
  readonly #lastUsed: LastUsedRecorder;
  readonly #unsubscribe: () => void;
  #epoch = 0;

  constructor(options: BoundKeysOptions) {
    this.#store = options.store;
    this.#events = options.events;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#ttl = {
      positive: options.cacheTtlMs ?? 30_000,
      negative: options.negativeCacheTtlMs ?? 5_000,
      degraded: options.degradedCacheTtlMs ?? 250,
      staleIfError: options.staleIfErrorMs ?? 15 * 60_000,
    };
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#unsubscribe = this.#events.subscribe((event) => this.#invalidate(event));
    this.#lastUsed = new LastUsedRecorder(options.store, options.logger, options.usageFlushMs);
  }

  /** The key if the grant still holds; throws SwitchboardError UNAUTHENTICATED (`details.reason`) otherwise. */
  async resolve(keyId: string, fingerprint: string, ip: string): Promise<BoundKey> {
    const outcome = await this.check(keyId, fingerprint);
    if (typeof outcome === 'string') throw refusal(outcome, keyId);
    this.#lastUsed.mark(keyId, this.#clock.now(), ip);
    return outcome;
  }

  /** Like `resolve`, without recording a use: the token endpoint asks before it issues anything. */
  async check(keyId: string, fingerprint: string): Promise<BoundKey | BoundKeyRefusal> {
    const entry =
      freshEntry(this.#cache, keyId, this.#ttl, this.#events.isLive()) ??
      (await loadOrStale(this.#cache, keyId, this.#ttl, (id) => this.#load(id)));
    const record = entry.record;
    if (record === null) return 'unknown';
    const now = this.#clock.now();
    if (record.revokedAt !== null) return 'revoked';
    if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
    const secret = entry.secrets.get(fingerprint);
    if (secret === undefined || (secret.expiresAt !== null && secret.expiresAt <= now)) return 'rotated';
    return Object.freeze({
      id: record.id,
      name: record.name,
      owner: record.owner,
      scopes: Object.freeze([...record.scopes]),
      limits: record.limits,
      prefix: secret.prefix,
    });
  }

  flushUsage(): Promise<void> {
    return this.#lastUsed.flush();
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.#lastUsed.close();
  }

  async #load(keyId: string): Promise<Entry> {
    const epoch = this.#epoch;
    const record: KeyRecord | null = await sharedRead(this.#inFlight, keyId, () => this.#store.get(keyId));
    const entry: Entry = {
      record: record === null ? null : deepFreeze(structuredClone(record)),
      secrets: new Map(
        (record?.secrets ?? []).map((s) => [secretFingerprint(s.hash), { prefix: s.prefix, expiresAt: s.expiresAt }]),
      ),
      storedAt: performance.now(),
      found: record !== null,
    };
    // A lookup that raced an invalidation may hold the old record: answer with it once, do not keep it.
    if (epoch === this.#epoch) {
      if (this.#cache.size >= this.#maxEntries) {
        const oldest = this.#cache.keys().next();
        if (!oldest.done) this.#cache.delete(oldest.value);
      }
      this.#cache.set(keyId, entry);
    }
    return entry;
  }

  #invalidate(event: KeyEvent): void {
    this.#epoch++;
    if (event.type === 'resync') this.#cache.clear();
    else this.#cache.delete(event.keyId);
  }
}

const SENTENCES: Record<BoundKeyRefusal, (keyId: string) => string> = {
  unknown: (id) => `The API key this authorization was granted with (${id}) no longer exists; connect again.`,
  revoked: (id) =>
    `API key ${id}, which this authorization was granted with, was revoked; connect again with a current key.`,
  expired: (id) =>
    `API key ${id}, which this authorization was granted with, expired; connect again with a current key.`,
  rotated: (id) =>
    `The secret of API key ${id} this authorization was granted with was rotated out; connect again with the new secret.`,
};

export function refusal(reason: BoundKeyRefusal, keyId: string): SwitchboardError {
  return new SwitchboardError('UNAUTHENTICATED', SENTENCES[reason](keyId), { details: { reason } });
}
