import { abortableSleep } from './abortable-sleep.ts';

/**
 * The pace of a loop that keeps something open (an upstream's link, its notification stream) and reopens it
 * when it ends. A failure waits, longer each time; an end after a steady run (an upstream restart) retries at
 * once; an end that comes at once is treated as a failure, so an upstream that closes every stream it is given
 * is retried after 250 ms, 500 ms, … 10 s instead of in a tight loop.
 */
export class ReconnectBackoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #steadyMs: number;
  #delayMs: number;
  #openedAt = 0;

  constructor(options: { minMs?: number; maxMs?: number; steadyMs?: number } = {}) {
    this.#minMs = options.minMs ?? 250;
    this.#maxMs = options.maxMs ?? 10_000;
    this.#steadyMs = options.steadyMs ?? 5_000;
    this.#delayMs = this.#minMs;
  }

  /** The thing was (re)opened: an end is judged by how long it has run since. */
  opened(): void {
    this.#openedAt = performance.now();
  }

  /** It worked (a list read, a stream that delivered): the next failure starts from the shortest wait. */
  succeeded(): void {
    this.#delayMs = this.#minMs;
  }

  /** It failed: wait, and wait longer next time. */
  async failed(signal: AbortSignal): Promise<void> {
    await abortableSleep(this.#delayMs, signal);
    this.#delayMs = Math.min(this.#delayMs * 2, this.#maxMs);
  }

  /** It ended: at once after a steady run, else as a failure. */
  async ended(signal: AbortSignal): Promise<void> {
    if (performance.now() - this.#openedAt >= this.#steadyMs) this.succeeded();
    else await this.failed(signal);
  }
}
