import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';
import { z } from 'zod';
import {
  byCreation,
  type ClientRecord,
  type CodeRecord,
  type ConsumeCodeResult,
  type FamilyRecord,
  type OAuthStore,
  REMEMBERED_REFRESH_TOKENS,
  type RotateResult,
} from './oauth-store.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    sbConsumeOAuthCode(key: string, familyId: string): Result<[number, string?], Context>;
    sbRotateRefreshToken(
      key: string,
      presented: string,
      next: string,
      expiresAt: string,
      ttlMs: string,
      remember: string,
    ): Result<number, Context>;
  }
}

const consumeCodeLua = readFileSync(new URL('./lua/consume-code.lua', import.meta.url), 'utf8');
const rotateRefreshTokenLua = readFileSync(new URL('./lua/rotate-refresh-token.lua', import.meta.url), 'utf8');

const clientSchema = z.object({
  id: z.string(),
  kind: z.enum(['dynamic', 'preregistered']),
  name: z.string(),
  redirectUris: z.array(z.string()),
  authMethod: z.enum(['none', 'client_secret_post', 'client_secret_basic']),
  secretHash: z.string().nullable(),
  createdAt: z.number(),
  lastUsedAt: z.number(),
  createdBy: z.string().optional(),
});

const codeSchema = z.object({
  clientId: z.string(),
  redirectUri: z.string(),
  codeChallenge: z.string(),
  resource: z.string(),
  scope: z.string(),
  keyId: z.string(),
  secretFingerprint: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});

const familySchema = z.object({
  id: z.string(),
  clientId: z.string(),
  keyId: z.string(),
  secretFingerprint: z.string(),
  scope: z.string(),
  resource: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});

/**
 * The front door's state in Redis, Cluster-safe: every command touches one key and every key carries a
 * hash tag.
 *   <prefix>oauth:client:{<client id>}          string: client JSON (PX = idle TTL for dynamic clients)
 *   <prefix>oauth:clients:{preregistered}       set: ids of admin-created clients
 *   <prefix>oauth:registration:{<digest>}       string: client id last registered with that metadata
 *   <prefix>oauth:code:{<sha256 of code>}       hash: record, used, family
 *   <prefix>oauth:family:{<family id>}          hash: record, current, previous, expires_at
 *   <prefix>oauth:key-families:{<key id>}       set: ids of the families issued for that key (no TTL:
 *                                               a family's TTL moves with each rotation, so the index is
 *                                               pruned of ended families when read or added to instead)
 *   <prefix>oauth:signing-keys:{oauth}          string: generated signing keys (private JWK Set)
 */
export class RedisOAuthStore implements OAuthStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, options: { prefix: string }) {
    this.#redis = redis;
    this.#prefix = options.prefix;
    redis.defineCommand('sbConsumeOAuthCode', { numberOfKeys: 1, lua: consumeCodeLua });
    redis.defineCommand('sbRotateRefreshToken', { numberOfKeys: 1, lua: rotateRefreshTokenLua });
  }

  async saveClient(record: ClientRecord, ttlMs: number | null): Promise<void> {
    const key = this.#key('client', record.id);
    const json = JSON.stringify(record);
    if (record.kind === 'preregistered') {
      await this.#redis.multi().set(key, json).sadd(this.#preregisteredKey(), record.id).exec();
      return;
    }
    if (ttlMs === null) await this.#redis.set(key, json);
    else await this.#redis.set(key, json, 'PX', ttlMs);
  }

  async getClient(id: string): Promise<ClientRecord | null> {
    const json = await this.#redis.get(this.#key('client', id));
    return json === null ? null : clientSchema.parse(JSON.parse(json));
  }

  async touchClient(id: string, at: number, ttlMs: number | null): Promise<void> {
    const current = await this.getClient(id);
    if (current === null) return;
    const json = JSON.stringify({ ...current, lastUsedAt: Math.max(current.lastUsedAt, at) });
    const key = this.#key('client', id);
    // XX: a client deleted meanwhile stays deleted.
    if (ttlMs === null) await this.#redis.set(key, json, 'KEEPTTL', 'XX');
    else await this.#redis.set(key, json, 'PX', ttlMs, 'XX');
  }

  async deleteClient(id: string): Promise<boolean> {
    const results = await this.#redis.multi().del(this.#key('client', id)).srem(this.#preregisteredKey(), id).exec();
    return Number(results?.[0]?.[1] ?? 0) > 0;
  }

  async listPreregisteredClients(): Promise<ClientRecord[]> {
    const ids = await this.#redis.smembers(this.#preregisteredKey());
    const found = await Promise.all(ids.map((id) => this.getClient(id)));
    return found
      .filter((r): r is ClientRecord => r !== null)
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async findRegistration(metadataDigest: string): Promise<string | null> {
    return this.#redis.get(this.#key('registration', metadataDigest));
  }

  async rememberRegistration(metadataDigest: string, clientId: string, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#key('registration', metadataDigest), clientId, 'PX', ttlMs);
  }

  async saveCode(codeHash: string, record: CodeRecord, ttlMs: number): Promise<void> {
    const key = this.#key('code', codeHash);
    await this.#redis.multi().hset(key, 'record', JSON.stringify(record), 'used', '0').pexpire(key, ttlMs).exec();
  }

  async getCode(codeHash: string): Promise<CodeRecord | null> {
    const json = await this.#redis.hget(this.#key('code', codeHash), 'record');
    return json === null ? null : codeSchema.parse(JSON.parse(json));
  }

  async consumeCode(codeHash: string, familyId: string): Promise<ConsumeCodeResult> {
    const [status, value] = await this.#redis.sbConsumeOAuthCode(this.#key('code', codeHash), familyId);
    if (status === 1) return { status: 'consumed', record: codeSchema.parse(JSON.parse(value ?? '')) };
    if (status === 2) return { status: 'already-used', familyId: value === undefined || value === '' ? null : value };
    return { status: 'missing' };
  }

  async createFamily(record: FamilyRecord, currentTokenHash: string, ttlMs: number): Promise<void> {
    const key = this.#key('family', record.id);
    await this.#redis
      .multi()
      .hset(
        key,
        'record',
        JSON.stringify(record),
        'current',
        currentTokenHash,
        'previous',
        '',
        'expires_at',
        String(record.expiresAt),
      )
      .pexpire(key, ttlMs)
      .exec();
    // A separate command: the index lives in the key's slot, the family in its own (Redis Cluster).
    await this.#redis.sadd(this.#key('key-families', record.keyId), record.id);
    await this.#liveFamilies(record.keyId);
  }

  async getFamily(id: string): Promise<FamilyRecord | null> {
    const [json, expiresAt] = await this.#redis.hmget(this.#key('family', id), 'record', 'expires_at');
    if (json === null || json === undefined) return null;
    const record = familySchema.parse(JSON.parse(json));
    return { ...record, expiresAt: Number(expiresAt ?? record.expiresAt) };
  }

  async rotateFamily(
    id: string,
    presentedHash: string,
    nextHash: string,
    expiresAt: number,
    ttlMs: number,
  ): Promise<RotateResult> {
    const outcome = await this.#redis.sbRotateRefreshToken(
      this.#key('family', id),
      presentedHash,
      nextHash,
      String(expiresAt),
      String(ttlMs),
      String(REMEMBERED_REFRESH_TOKENS),
    );
    return outcome === 1 ? 'rotated' : outcome === 2 ? 'reused' : outcome === 3 ? 'mismatch' : 'missing';
  }

  async deleteFamily(id: string): Promise<boolean> {
    const family = await this.getFamily(id);
    const deleted = (await this.#redis.del(this.#key('family', id))) > 0;
    if (family !== null) await this.#redis.srem(this.#key('key-families', family.keyId), id);
    return deleted;
  }

  async listFamiliesByKey(keyId: string): Promise<FamilyRecord[]> {
    return (await this.#liveFamilies(keyId)).sort(byCreation);
  }

  /** Reads the key's index and removes the ids whose family is gone (expired, or deleted on reuse). */
  async #liveFamilies(keyId: string): Promise<FamilyRecord[]> {
    const index = this.#key('key-families', keyId);
    const ids = await this.#redis.smembers(index);
    const families = await Promise.all(ids.map((id) => this.getFamily(id)));
    const gone = ids.filter((_id, i) => families[i] === null);
    if (gone.length > 0) await this.#redis.srem(index, ...gone);
    return families.filter((f): f is FamilyRecord => f !== null && f.keyId === keyId);
  }

  async claimSigningKeys(candidate: string): Promise<string> {
    const key = this.#key('signing-keys', 'oauth');
    await this.#redis.set(key, candidate, 'NX');
    const stored = await this.#redis.get(key);
    if (stored === null) throw new Error('The OAuth signing keys vanished from Redis right after being stored.');
    return stored;
  }

  #key(kind: string, id: string): string {
    return `${this.#prefix}oauth:${kind}:{${id}}`;
  }

  #preregisteredKey(): string {
    return `${this.#prefix}oauth:clients:{preregistered}`;
  }
}
