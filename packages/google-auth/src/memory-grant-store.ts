import type { GoogleGrant, GrantStore, PendingConnect } from './grant-store.ts';

/** The single-process grant store (no REDIS_URL): grants live as long as the process. */
export class MemoryGrantStore implements GrantStore {
  readonly #grants = new Map<string, GoogleGrant>();
  readonly #deleted = new Set<string>();
  readonly #pending = new Map<string, PendingConnect>();

  async get(keyId: string): Promise<GoogleGrant | undefined> {
    const grant = this.#grants.get(keyId);
    return grant === undefined ? undefined : { ...grant };
  }

  async put(grant: GoogleGrant): Promise<boolean> {
    if (this.#deleted.has(grant.keyId)) return false;
    this.#grants.set(grant.keyId, { ...grant });
    return true;
  }

  async markBroken(keyId: string, grantId: string, reason: string): Promise<void> {
    const grant = this.#grants.get(keyId);
    if (grant === undefined || grant.grantId !== grantId) return;
    this.#grants.set(keyId, { ...grant, status: 'broken', brokenReason: reason, updatedAt: new Date().toISOString() });
  }

  async unlink(keyId: string): Promise<boolean> {
    return this.#grants.delete(keyId);
  }

  async deleteKey(keyId: string): Promise<void> {
    this.#grants.delete(keyId);
    this.#deleted.add(keyId);
  }

  async isKeyDeleted(keyId: string): Promise<boolean> {
    return this.#deleted.has(keyId);
  }

  async putPending(pending: PendingConnect): Promise<void> {
    const now = Date.now();
    for (const [state, entry] of this.#pending) if (entry.expiresAt <= now) this.#pending.delete(state);
    this.#pending.set(pending.state, { ...pending });
  }

  async takePending(state: string): Promise<PendingConnect | undefined> {
    const pending = this.#pending.get(state);
    this.#pending.delete(state);
    if (pending === undefined || pending.expiresAt <= Date.now()) return undefined;
    return pending;
  }

  async close(): Promise<void> {}
}
