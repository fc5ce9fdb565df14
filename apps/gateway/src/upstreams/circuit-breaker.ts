/**
 * A small circuit breaker: after `threshold` consecutive failures the circuit opens and calls fail fast for
 * `cooldownMs`; then one trial call is let through (half-open) and its outcome closes or re-opens it.
 * Hand-written rather than opossum because it sits on the per-call path, where opossum's per-call timers
 * and events cost more than the whole state machine below.
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;
  #state: CircuitState = 'closed';

  constructor(
    private readonly threshold = 5,
    private readonly cooldownMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    return this.#state;
  }

  /** Whether a call may go out now; in half-open, only the one trial call may. */
  allow(): boolean {
    if (this.#state === 'closed') return true;
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.cooldownMs) this.#state = 'half-open';
    if (this.#state === 'half-open' && !this.#trialInFlight) {
      this.#trialInFlight = true;
      return true;
    }
    return false;
  }

  /** Seconds until a trial call will be allowed (for the caller's retry hint). */
  retryAfterS(): number {
    if (this.#state !== 'open') return 1;
    return Math.max(1, Math.ceil((this.cooldownMs - (this.now() - this.#openedAt)) / 1000));
  }

  success(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#state = 'closed';
  }

  failure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.threshold) {
      this.#state = 'open';
      this.#openedAt = this.now();
    }
  }
}
