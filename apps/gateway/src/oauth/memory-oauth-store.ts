import { type Clock, systemClock } from '../clock.ts';
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

interface Entry<T> {
  value: T;
  expiresAt: number | null;
}

interface CodeEntry {
  record: CodeRecord;
  used: boolean;
  familyId: string | null;
}

interface FamilyEntry {
  record: FamilyRecord;
  current: string;
  previous: string[];
}

/** Entries past their TTL are dropped when read, and swept every this many writes. */
const SWEEP_EVERY = 256;

/** The single-process store: the default without Redis, and the twin the contract tests hold Redis to. */
export class MemoryOAuthStore implements OAuthStore {
  readonly #clock: Clock;
  readonly #clients = new Map<string, Entry<ClientRecord>>();
  readonly #registrations = new Map<string, Entry<string>>();
  readonly #codes = new Map<string, Entry<CodeEntry>>();
  readonly #families = new Map<string, Entry<FamilyEntry>>();
  /** Key id → ids of its families; stale ids are pruned when read. */
  readonly #familiesByKey = new Map<string, Set<string>>();
  #signingKeys: string | undefined;
  #writes = 0;

  constructor(options: { clock?: Clock | undefined } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async saveClient(record: ClientRecord, ttlMs: number | null): Promise<void> {
    this.#put(this.#clients, record.id, structuredClone(record), ttlMs);
  }

  async getClient(id: string): Promise<ClientRecord | null> {
    const record = this.#get(this.#clients, id);
    return record === undefined ? null : structuredClone(record);
  }

  async touchClient(id: string, at: number, ttlMs: number | null): Promise<void> {
    const record = this.#get(this.#clients, id);
    if (record === undefined) return;
    this.#put(this.#clients, id, { ...record, lastUsedAt: Math.max(record.lastUsedAt, at) }, ttlMs);
  }

  async deleteClient(id: string): Promise<boolean> {
    return this.#get(this.#clients, id) !== undefined && this.#clients.delete(id);
  }

  async listPreregisteredClients(): Promise<ClientRecord[]> {
    return [...this.#clients.keys()]
      .map((id) => this.#get(this.#clients, id))
      .filter((r): r is ClientRecord => r !== undefined && r.kind === 'preregistered')
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
      .map((r) => structuredClone(r));
  }

  async findRegistration(metadataDigest: string): Promise<string | null> {
    return this.#get(this.#registrations, metadataDigest) ?? null;
  }

  async rememberRegistration(metadataDigest: string, clientId: string, ttlMs: number): Promise<void> {
    this.#put(this.#registrations, metadataDigest, clientId, ttlMs);
  }

  async saveCode(codeHash: string, record: CodeRecord, ttlMs: number): Promise<void> {
    this.#put(this.#codes, codeHash, { record: structuredClone(record), used: false, familyId: null }, ttlMs);
  }

  async getCode(codeHash: string): Promise<CodeRecord | null> {
    const entry = this.#get(this.#codes, codeHash);
    return entry === undefined ? null : structuredClone(entry.record);
  }

  async consumeCode(codeHash: string, familyId: string): Promise<ConsumeCodeResult> {
    const entry = this.#get(this.#codes, codeHash);
    if (entry === undefined) return { status: 'missing' };
    if (entry.used) return { status: 'already-used', familyId: entry.familyId };
    entry.used = true;
    entry.familyId = familyId;
    return { status: 'consumed', record: structuredClone(entry.record) };
  }

  async createFamily(record: FamilyRecord, currentTokenHash: string, ttlMs: number): Promise<void> {
    this.#put(
      this.#families,
      record.id,
      { record: structuredClone(record), current: currentTokenHash, previous: [] },
      ttlMs,
    );
    const ids = this.#familiesByKey.get(record.keyId) ?? new Set<string>();
    this.#familiesByKey.set(record.keyId, ids.add(record.id));
  }

  async getFamily(id: string): Promise<FamilyRecord | null> {
    const entry = this.#get(this.#families, id);
    return entry === undefined ? null : structuredClone(entry.record);
  }

  async rotateFamily(
    id: string,
    presentedHash: string,
    nextHash: string,
    expiresAt: number,
    ttlMs: number,
  ): Promise<RotateResult> {
    const entry = this.#get(this.#families, id);
    if (entry === undefined) return 'missing';
    if (entry.current === presentedHash) {
      const previous = [presentedHash, ...entry.previous].slice(0, REMEMBERED_REFRESH_TOKENS);
      this.#put(this.#families, id, { record: { ...entry.record, expiresAt }, current: nextHash, previous }, ttlMs);
      return 'rotated';
    }
    if (entry.previous.includes(presentedHash)) {
      this.#families.delete(id);
      this.#familiesByKey.get(entry.record.keyId)?.delete(id);
      return 'reused';
    }
    return 'mismatch';
  }

  async deleteFamily(id: string): Promise<boolean> {
    const entry = this.#get(this.#families, id);
    if (entry === undefined) return false;
    this.#familiesByKey.get(entry.record.keyId)?.delete(id);
    return this.#families.delete(id);
  }

  async listFamiliesByKey(keyId: string): Promise<FamilyRecord[]> {
    const ids = this.#familiesByKey.get(keyId);
    if (ids === undefined) return [];
    const found: FamilyRecord[] = [];
    for (const id of ids) {
      const entry = this.#get(this.#families, id);
      if (entry === undefined) ids.delete(id);
      else found.push(structuredClone(entry.record));
    }
    if (ids.size === 0) this.#familiesByKey.delete(keyId);
    return found.sort(byCreation);
  }

  async claimSigningKeys(candidate: string): Promise<string> {
    this.#signingKeys ??= candidate;
    return this.#signingKeys;
  }

  #get<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.#clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #put<T>(map: Map<string, Entry<T>>, key: string, value: T, ttlMs: number | null): void {
    map.set(key, { value, expiresAt: ttlMs === null ? null : this.#clock.now() + ttlMs });
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep();
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const map of [this.#clients, this.#registrations, this.#codes, this.#families] as Map<
      string,
      Entry<unknown>
    >[]) {
      for (const [key, entry] of map) if (entry.expiresAt !== null && entry.expiresAt <= now) map.delete(key);
    }
  }
}
