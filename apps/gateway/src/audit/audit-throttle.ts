/**
 * Keeps attacker-driven events (failed authentication) from turning into one audit write per request:
 * the first event per key (e.g. ip + reason) in a window is recorded, repeats are dropped.
 */
export class AuditThrottle {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #lastSeen = new Map<string, number>();

  constructor(options: { windowMs?: number; maxKeys?: number } = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  shouldRecord(key: string, now: number): boolean {
    const last = this.#lastSeen.get(key);
    if (last !== undefined && now - last < this.#windowMs) return false;
    // Bounded memory: a flood of distinct keys resets the table rather than growing it.
    if (this.#lastSeen.size >= this.#maxKeys) this.#lastSeen.clear();
    this.#lastSeen.set(key, now);
    return true;
  }
}
