import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import {
  type BeginOptions,
  type BeginResult,
  DEFAULT_LEASE_MS,
  DEFAULT_TTL_MS,
  type IdempotencyClaim,
  type IdempotencyStore,
} from './idempotency-store.ts';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}`, import.meta.url), 'utf8');

interface IdempotencyCommands {
  sbIdemBegin(...args: (string | number)[]): Promise<string[]>;
  sbIdemSettle(...args: (string | number)[]): Promise<number>;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: Redis & IdempotencyCommands;
  readonly #prefix: string;

  constructor(redis: Redis, prefix = 'sb:idem:') {
    if (typeof (redis as Partial<IdempotencyCommands>).sbIdemBegin !== 'function') {
      redis.defineCommand('sbIdemBegin', { numberOfKeys: 1, lua: lua('begin.lua') });
      redis.defineCommand('sbIdemSettle', { numberOfKeys: 1, lua: lua('settle.lua') });
    }
    this.#redis = redis as Redis & IdempotencyCommands;
    this.#prefix = prefix;
  }

  /** Scope and key are caller-chosen text; hashed, they make a bounded key that is its own hash tag. */
  #key(scope: string, key: string): string {
    const id = createHash('sha256').update(`${scope}\u0000${key}`).digest('base64url').slice(0, 32);
    return `${this.#prefix}{${id}}`;
  }

  async begin(scope: string, key: string, fingerprint: string, options: BeginOptions = {}): Promise<BeginResult> {
    const token = randomUUID();
    const reply = await this.#redis.sbIdemBegin(
      this.#key(scope, key),
      fingerprint,
      token,
      options.leaseMs ?? DEFAULT_LEASE_MS,
      options.ttlMs ?? DEFAULT_TTL_MS,
      JSON.stringify(options.attempt ?? null),
    );
    const [state, a, b, c, d] = reply;
    switch (state) {
      case 'new':
        return { state: 'new', claim: { scope, key, token } };
      case 'mismatch':
        return { state: 'mismatch' };
      case 'replay':
        return { state: 'replay', outcome: JSON.parse(a ?? 'null'), completedAt: Number(b) };
      case 'in-progress':
        return { state: 'in-progress', retryAfterMs: Number(a) };
      case 'uncertain': {
        const attempt = c === undefined || c === '' ? null : JSON.parse(c);
        return {
          state: 'uncertain',
          claim: { scope, key, token },
          uncertainSince: Number(b),
          attempt: attempt !== null && typeof attempt === 'object' ? attempt : null,
          note: d === undefined || d === '' ? null : d,
        };
      }
      default:
        throw new Error(`idempotency store: unexpected reply ${String(state)}`);
    }
  }

  #settle(claim: IdempotencyClaim, action: string, value: string, ttlMs = DEFAULT_TTL_MS): Promise<boolean> {
    return this.#redis
      .sbIdemSettle(this.#key(claim.scope, claim.key), claim.token, action, value, ttlMs)
      .then((applied) => applied === 1);
  }

  complete(claim: IdempotencyClaim, outcome: unknown, options: { ttlMs?: number } = {}): Promise<boolean> {
    return this.#settle(claim, 'complete', JSON.stringify(outcome ?? null), options.ttlMs);
  }

  markUncertain(claim: IdempotencyClaim, note?: string): Promise<boolean> {
    return this.#settle(claim, 'uncertain', note ?? '');
  }

  release(claim: IdempotencyClaim): Promise<boolean> {
    return this.#settle(claim, 'release', '');
  }

  async close(): Promise<void> {
    // The Redis client belongs to whoever created it.
  }
}
