/**
 * Wall-clock time in epoch milliseconds, injected wherever a decision depends on it (key expiry, rotation
 * grace, audit timestamps) so tests move time by hand instead of sleeping.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  #now: number;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError('ManualClock cannot go backwards');
    this.#now += ms;
  }

  set(ms: number | Date): void {
    this.#now = typeof ms === 'number' ? ms : ms.getTime();
  }
}
