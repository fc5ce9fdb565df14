import type { KeyStore } from './key-store.ts';

/**
 * "Last used at, from where" without a store write per request: marks are coalesced per key in memory and
 * written every `flushMs` (and on close). Shared by the API-key and the OAuth-token authenticators.
 */
export class LastUsedRecorder {
  readonly #pending = new Map<string, { at: number; ip: string }>();
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<KeyStore, 'markUsed'>,
    private readonly logger: { warn(details: object, message: string): void } | undefined,
    flushMs = 5_000,
  ) {
    this.#timer = setInterval(() => void this.flush(), flushMs);
    this.#timer.unref();
  }

  mark(keyId: string, at: number, ip: string): void {
    this.#pending.set(keyId, { at, ip });
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const marks = [...this.#pending].map(([keyId, { at, ip }]) => ({ keyId, at, ip }));
    this.#pending.clear();
    try {
      await this.store.markUsed(marks);
    } catch (error) {
      this.logger?.warn({ err: error, keys: marks.length }, 'could not record key last-used times');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
