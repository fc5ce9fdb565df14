import { randomUUID } from 'node:crypto';
import {
  type BeginOptions,
  type BeginResult,
  DEFAULT_LEASE_MS,
  DEFAULT_TTL_MS,
  type IdempotencyClaim,
  type IdempotencyStore,
} from './idempotency-store.ts';

interface MemoryRecord {
  fp: string;
  state: 'pending' | 'completed' | 'uncertain';
  token: string;
  prevToken: string | null;
  leaseUntil: number;
  expiresAt: number;
  attempt: Record<string, unknown> | null;
  outcome?: unknown;
  completedAt?: number;
  uncertainSince?: number;
  note: string | null;
}

/** The single-process twin of the Redis store (same rules as `lua/begin.lua` and `lua/settle.lua`). */
export class MemoryIdempotencyStore implements IdempotencyStore {
  #records = new Map<string, MemoryRecord>();

  #get(scope: string, key: string): MemoryRecord | undefined {
    const id = `${scope}\u0000${key}`;
    const record = this.#records.get(id);
    if (record !== undefined && record.expiresAt <= Date.now()) {
      this.#records.delete(id);
      return undefined;
    }
    return record;
  }

  async begin(scope: string, key: string, fingerprint: string, options: BeginOptions = {}): Promise<BeginResult> {
    const now = Date.now();
    const lease = options.leaseMs ?? DEFAULT_LEASE_MS;
    const token = randomUUID();
    const record = this.#get(scope, key);
    if (record === undefined) {
      this.#records.set(`${scope}\u0000${key}`, {
        fp: fingerprint,
        state: 'pending',
        token,
        prevToken: null,
        leaseUntil: now + lease,
        expiresAt: now + (options.ttlMs ?? DEFAULT_TTL_MS),
        attempt: options.attempt ?? null,
        note: null,
      });
      return { state: 'new', claim: { scope, key, token } };
    }
    if (record.fp !== fingerprint) return { state: 'mismatch' };
    if (record.state === 'completed') {
      return { state: 'replay', outcome: structuredClone(record.outcome), completedAt: record.completedAt ?? now };
    }
    if (record.leaseUntil > now) return { state: 'in-progress', retryAfterMs: record.leaseUntil - now };
    const since = record.state === 'pending' ? record.leaseUntil : (record.uncertainSince ?? now);
    Object.assign(record, {
      state: 'uncertain',
      uncertainSince: since,
      prevToken: record.token,
      token,
      leaseUntil: now + lease,
    });
    return {
      state: 'uncertain',
      claim: { scope, key, token },
      uncertainSince: since,
      attempt: record.attempt,
      note: record.note,
    };
  }

  async complete(claim: IdempotencyClaim, outcome: unknown, options: { ttlMs?: number } = {}): Promise<boolean> {
    const record = this.#get(claim.scope, claim.key);
    if (record === undefined || record.state === 'completed') return false;
    if (record.token !== claim.token && record.prevToken !== claim.token) return false;
    const now = Date.now();
    Object.assign(record, {
      state: 'completed',
      outcome: structuredClone(outcome),
      completedAt: now,
      leaseUntil: 0,
      expiresAt: now + (options.ttlMs ?? DEFAULT_TTL_MS),
    });
    return true;
  }

  async markUncertain(claim: IdempotencyClaim, note?: string): Promise<boolean> {
    const record = this.#get(claim.scope, claim.key);
    if (record === undefined || record.state === 'completed' || record.token !== claim.token) return false;
    Object.assign(record, {
      state: 'uncertain',
      uncertainSince: record.uncertainSince ?? Date.now(),
      note: note ?? null,
      leaseUntil: 0,
    });
    return true;
  }

  async release(claim: IdempotencyClaim): Promise<boolean> {
    const record = this.#get(claim.scope, claim.key);
    if (record === undefined || record.state === 'completed' || record.token !== claim.token) return false;
    if (record.state === 'pending') this.#records.delete(`${claim.scope}\u0000${claim.key}`);
    else record.leaseUntil = 0;
    return true;
  }

  async close(): Promise<void> {
    this.#records.clear();
  }
}
