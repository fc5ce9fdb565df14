import { EventEmitter } from 'node:events';

/**
 * Cache invalidations between replicas. `invalidate` names a key and the hashes of every secret it held
 * before and after a change; `resync` means events may have been missed (the subscriber reconnected), so a
 * listener must drop everything it cached.
 */
export type KeyEvent = { type: 'invalidate'; keyId: string; hashes: string[] } | { type: 'resync' };

export type KeyEventListener = (event: KeyEvent) => void;

export interface KeyEvents {
  publish(change: { keyId: string; hashes: string[] }): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(listener: KeyEventListener): () => void;
  /** True while published invalidations are known to reach this process; caches shrink their TTL otherwise. */
  isLive(): boolean;
  close(): Promise<void>;
}

/** Single-process events: every publisher and listener lives in this process, so delivery is immediate. */
export class MemoryKeyEvents implements KeyEvents {
  readonly #emitter = new EventEmitter();

  async publish(change: { keyId: string; hashes: string[] }): Promise<void> {
    this.#emitter.emit('event', { type: 'invalidate', keyId: change.keyId, hashes: [...change.hashes] });
  }

  subscribe(listener: KeyEventListener): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }

  isLive(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}
