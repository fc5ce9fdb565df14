import { asSwitchboardError, SwitchboardError } from '@switchboard/errors';
import type { AuditLog, AuditValue } from '../audit/audit-log.ts';
import { type Clock, systemClock } from '../clock.ts';
import { generateApiKeyToken } from './api-key-token.ts';
import type { KeyEvents } from './key-events.ts';
import { newKeyId } from './key-id.ts';
import type { KeyLimits } from './key-limits.ts';
import { type KeyRecord, type KeyStatus, keyStatus, secretIsLive } from './key-record.ts';
import type { KeyPage, KeyStore } from './key-store.ts';

/** Who asks for a change: `admin-token` or the id of an admin-scoped key, and from where. */
export interface Actor {
  id: string;
  ip?: string | undefined;
}

export interface CreateKeyInput {
  name: string;
  owner?: string | undefined;
  scopes: string[];
  limits?: KeyLimits | undefined;
  expiresAt?: number | null | undefined;
}

export interface UpdateKeyInput {
  name?: string | undefined;
  owner?: string | undefined;
  scopes?: string[] | undefined;
  limits?: KeyLimits | undefined;
  /** null removes the expiry; a time in the past expires the key now. */
  expiresAt?: number | null | undefined;
}

export interface ListKeysInput {
  limit?: number | undefined;
  cursor?: string | undefined;
  status?: KeyStatus | undefined;
  owner?: string | undefined;
  /** Case-insensitive text found in the id, name, owner or display prefix. */
  search?: string | undefined;
}

/** A key together with its plaintext token: returned by create and rotate only, never stored. */
export interface IssuedKey {
  key: KeyRecord;
  token: string;
}

export interface KeyServiceOptions {
  store: KeyStore;
  events: KeyEvents;
  audit: AuditLog;
  clock?: Clock | undefined;
  logger?: { error(details: object, message: string): void } | undefined;
}

export const DEFAULT_GRACE_PERIOD_S = 86_400;

/**
 * Key administration: every mutation is written to the store, then to the audit log, then announced to
 * every replica's authenticator (which drops its cached copy).
 */
export class KeyService {
  readonly #store: KeyStore;
  readonly #events: KeyEvents;
  readonly #audit: AuditLog;
  readonly #clock: Clock;
  readonly #logger: KeyServiceOptions['logger'];

  constructor(options: KeyServiceOptions) {
    this.#store = options.store;
    this.#events = options.events;
    this.#audit = options.audit;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
  }

  statusOf(record: KeyRecord): KeyStatus {
    return keyStatus(record, this.#clock.now());
  }

  async create(input: CreateKeyInput, actor: Actor): Promise<IssuedKey> {
    return this.#audited('key.create', undefined, actor, async () => {
      const now = this.#clock.now();
      if (input.expiresAt != null && input.expiresAt <= now) {
        throw new SwitchboardError('VALIDATION_FAILED', 'expires_at must be in the future.');
      }
      const issued = generateApiKeyToken();
      const record: KeyRecord = {
        id: newKeyId(now),
        name: input.name,
        owner: input.owner ?? '',
        scopes: [...input.scopes],
        limits: input.limits ?? {},
        createdAt: now,
        updatedAt: now,
        expiresAt: input.expiresAt ?? null,
        revokedAt: null,
        lastUsedAt: null,
        lastUsedIp: null,
        secrets: [{ hash: issued.hash, prefix: issued.prefix, createdAt: now, expiresAt: null }],
      };
      await this.#store.insert(record);
      return {
        result: { key: record, token: issued.token },
        target: record.id,
        details: { name: record.name, owner: record.owner, scopes: record.scopes, prefix: issued.prefix },
        announce: { keyId: record.id, hashes: [issued.hash] },
      };
    });
  }

  async list(input: ListKeysInput = {}): Promise<KeyPage> {
    const now = this.#clock.now();
    const { status, owner } = input;
    const search = input.search?.toLowerCase();
    const filtered = status !== undefined || owner !== undefined || search !== undefined;
    return this.#store.list({
      cursor: input.cursor,
      limit: input.limit ?? 20,
      matches: filtered
        ? (r) =>
            (status === undefined || keyStatus(r, now) === status) &&
            (owner === undefined || r.owner === owner) &&
            (search === undefined ||
              [r.id, r.name, r.owner, ...r.secrets.map((s) => s.prefix)].some((text) =>
                text.toLowerCase().includes(search),
              ))
        : undefined,
    });
  }

  async get(id: string): Promise<KeyRecord> {
    const record = await this.#store.get(id);
    if (record === null) throw notFound(id);
    return record;
  }

  async update(id: string, patch: UpdateKeyInput, actor: Actor): Promise<KeyRecord> {
    return this.#audited('key.update', id, actor, async () => {
      const now = this.#clock.now();
      const changed = await this.#store.update(id, (current) => ({
        ...current,
        ...(patch.name === undefined ? {} : { name: patch.name }),
        ...(patch.owner === undefined ? {} : { owner: patch.owner }),
        ...(patch.scopes === undefined ? {} : { scopes: [...patch.scopes] }),
        ...(patch.limits === undefined ? {} : { limits: patch.limits }),
        ...(patch.expiresAt === undefined ? {} : { expiresAt: patch.expiresAt }),
        updatedAt: now,
      }));
      if (changed === null) throw notFound(id);
      const fields = Object.entries(patch).flatMap(([field, value]) => (value === undefined ? [] : [field]));
      const details: Record<string, AuditValue> = { fields };
      if (patch.scopes !== undefined) details['scopes'] = patch.scopes;
      if (patch.expiresAt !== undefined) details['expires_at'] = iso(patch.expiresAt);
      return { result: changed.after, target: id, details, announce: announcement(changed.before, changed.after) };
    });
  }

  /**
   * Issues a new secret. The previous current secret keeps working for `gracePeriodS` (0 = it stops now);
   * any older secret stops now, so at most the newest two secrets are ever valid.
   */
  async rotate(id: string, options: { gracePeriodS?: number | undefined }, actor: Actor): Promise<IssuedKey> {
    const gracePeriodS = options.gracePeriodS ?? DEFAULT_GRACE_PERIOD_S;
    return this.#audited('key.rotate', id, actor, async () => {
      const now = this.#clock.now();
      const issued = generateApiKeyToken();
      const changed = await this.#store.update(id, (current) => {
        if (current.revokedAt !== null) {
          throw new SwitchboardError('CONFLICT', `Key ${id} is revoked; a revoked key cannot be rotated.`);
        }
        const previous = current.secrets.find((s) => s.expiresAt === null && secretIsLive(s, now));
        const graceEnd = now + gracePeriodS * 1000;
        return {
          ...current,
          updatedAt: now,
          secrets: [
            { hash: issued.hash, prefix: issued.prefix, createdAt: now, expiresAt: null },
            ...(previous === undefined || gracePeriodS === 0 ? [] : [{ ...previous, expiresAt: graceEnd }]),
          ],
        };
      });
      if (changed === null) throw notFound(id);
      const previous = changed.after.secrets[1];
      return {
        result: { key: changed.after, token: issued.token },
        target: id,
        details: {
          grace_period_s: gracePeriodS,
          prefix: issued.prefix,
          previous_prefix: previous?.prefix ?? null,
          previous_expires_at: iso(previous?.expiresAt ?? null),
        },
        announce: announcement(changed.before, changed.after),
      };
    });
  }

  /** Immediate on every replica; idempotent. Keys are never hard-deleted, so the audit trail keeps its subject. */
  async revoke(id: string, actor: Actor): Promise<KeyRecord> {
    return this.#audited('key.revoke', id, actor, async () => {
      const now = this.#clock.now();
      let already = false;
      const changed = await this.#store.update(id, (current) => {
        already = current.revokedAt !== null;
        return already ? current : { ...current, revokedAt: now, updatedAt: now };
      });
      if (changed === null) throw notFound(id);
      return {
        result: changed.after,
        target: id,
        details: { already_revoked: already },
        announce: announcement(changed.before, changed.after),
      };
    });
  }

  async #audited<T>(
    action: string,
    target: string | undefined,
    actor: Actor,
    run: () => Promise<{
      result: T;
      target: string;
      details: Record<string, AuditValue>;
      announce: { keyId: string; hashes: string[] };
    }>,
  ): Promise<T> {
    let outcome: Awaited<ReturnType<typeof run>>;
    try {
      outcome = await run();
    } catch (error) {
      const failure = asSwitchboardError(error);
      await this.#record({ actor: actor.id, ip: actor.ip, action, target, outcome: 'failure', reason: failure.code });
      throw error;
    }
    await this.#record({
      actor: actor.id,
      ip: actor.ip,
      action,
      target: outcome.target,
      outcome: 'success',
      details: outcome.details,
    });
    await this.#announce(outcome.announce);
    return outcome.result;
  }

  async #record(event: Parameters<AuditLog['record']>[0]): Promise<void> {
    try {
      await this.#audit.record(event);
    } catch (error) {
      // The change itself is done; losing its audit entry is logged loudly rather than reported as a failed change.
      this.#logger?.error({ err: error, action: event.action, target: event.target }, 'audit log write failed');
    }
  }

  /** Retries briefly: an unannounced change would reach other replicas only when their cache entry expires. */
  async #announce(change: { keyId: string; hashes: string[] }): Promise<void> {
    let lastError: unknown;
    for (const delayMs of [0, 50, 200]) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      try {
        await this.#events.publish(change);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    this.#logger?.error({ err: lastError, keyId: change.keyId }, 'key invalidation could not be published');
    throw new SwitchboardError(
      'STORE_UNAVAILABLE',
      `The change to key ${change.keyId} was saved, but other gateway replicas could not be told; they apply it when their cache expires (≤ 30 s).`,
      { retryAfterS: 1, cause: lastError },
    );
  }
}

function notFound(id: string): SwitchboardError {
  return new SwitchboardError('NOT_FOUND', `No key with id ${id}.`);
}

function announcement(before: KeyRecord, after: KeyRecord): { keyId: string; hashes: string[] } {
  const hashes = new Set([...before.secrets, ...after.secrets].map((s) => s.hash));
  return { keyId: after.id, hashes: [...hashes] };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
