import { readFileSync } from 'node:fs';
import { SwitchboardError } from '@switchboard/errors';
import type { Redis } from 'ioredis';
import type { GoogleGrant, GrantStore, PendingConnect } from './grant-store.ts';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

interface GrantCommands {
  sbPutGoogleGrant(grantKey: string, deletedKey: string, record: string): Promise<number>;
  sbMarkGoogleGrantBroken(grantKey: string, grantId: string, reason: string): Promise<number>;
  sbDeleteKeyGoogleGrant(grantKey: string, deletedKey: string): Promise<number>;
}

export interface RedisGrantStoreOptions {
  redis: Redis;
  /** Tool server whose grants these are (`gmail`, `drive`): each server owns its own grants. */
  server: string;
  /** Key prefix, e.g. `sb:` in production, a unique prefix per test. */
  prefix?: string;
}

/**
 * Grants in Redis, shared by every replica of a tool server. Each key carries the team key id (or the flow's
 * state) as its hash tag, so the scripts that touch a grant and its deleted-key marker stay in one slot.
 * The Redis client belongs to the caller, who closes it.
 */
export class RedisGrantStore implements GrantStore {
  readonly #redis: Redis & GrantCommands;
  readonly #base: string;

  constructor(options: RedisGrantStoreOptions) {
    const redis = options.redis;
    redis.defineCommand('sbPutGoogleGrant', { numberOfKeys: 2, lua: lua('put-grant') });
    redis.defineCommand('sbMarkGoogleGrantBroken', { numberOfKeys: 1, lua: lua('mark-grant-broken') });
    redis.defineCommand('sbDeleteKeyGoogleGrant', { numberOfKeys: 2, lua: lua('delete-key-grant') });
    this.#redis = redis as Redis & GrantCommands;
    this.#base = `${options.prefix ?? 'sb:'}google:${options.server}:`;
  }

  #grantKey(keyId: string) {
    return `${this.#base}grant:{${keyId}}`;
  }

  #deletedKey(keyId: string) {
    return `${this.#base}deleted:{${keyId}}`;
  }

  #pendingKey(state: string) {
    return `${this.#base}pending:{${state}}`;
  }

  async get(keyId: string): Promise<GoogleGrant | undefined> {
    const raw = await this.#call(() => this.#redis.get(this.#grantKey(keyId)));
    return raw === null ? undefined : parseGrant(raw);
  }

  async put(grant: GoogleGrant): Promise<boolean> {
    const stored = await this.#call(() =>
      this.#redis.sbPutGoogleGrant(this.#grantKey(grant.keyId), this.#deletedKey(grant.keyId), JSON.stringify(grant)),
    );
    return stored === 1;
  }

  async markBroken(keyId: string, grantId: string, reason: string): Promise<void> {
    await this.#call(() => this.#redis.sbMarkGoogleGrantBroken(this.#grantKey(keyId), grantId, reason));
  }

  async unlink(keyId: string): Promise<boolean> {
    return (await this.#call(() => this.#redis.del(this.#grantKey(keyId)))) === 1;
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.#call(() => this.#redis.sbDeleteKeyGoogleGrant(this.#grantKey(keyId), this.#deletedKey(keyId)));
  }

  async isKeyDeleted(keyId: string): Promise<boolean> {
    return (await this.#call(() => this.#redis.exists(this.#deletedKey(keyId)))) === 1;
  }

  async putPending(pending: PendingConnect): Promise<void> {
    const ttlMs = Math.max(1, pending.expiresAt - Date.now());
    await this.#call(() => this.#redis.set(this.#pendingKey(pending.state), JSON.stringify(pending), 'PX', ttlMs));
  }

  async takePending(state: string): Promise<PendingConnect | undefined> {
    const raw = await this.#call(() => this.#redis.getdel(this.#pendingKey(state)));
    if (raw === null) return undefined;
    const pending = JSON.parse(raw) as PendingConnect;
    return pending.expiresAt > Date.now() ? pending : undefined;
  }

  async close(): Promise<void> {}

  async #call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new SwitchboardError('STORE_UNAVAILABLE', 'The credential store is unavailable; retry in a few seconds.', {
        retryAfterS: 5,
        cause: error,
      });
    }
  }
}

/** Lua's cjson writes `updatedAtMs` and turns an empty array into `{}`; normalise both. */
function parseGrant(raw: string): GoogleGrant {
  const value = JSON.parse(raw) as GoogleGrant & { updatedAtMs?: number };
  const { updatedAtMs, ...grant } = value;
  return {
    ...grant,
    scopes: Array.isArray(grant.scopes) ? grant.scopes : [],
    ...(updatedAtMs === undefined ? {} : { updatedAt: new Date(updatedAtMs).toISOString() }),
  };
}
