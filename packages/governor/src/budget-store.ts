/**
 * The state a budget shares between replicas besides bottleneck's own: pauses (an upstream 429 stops the
 * budget for everyone) and tickets (when a deferred caller should come back). Redis in production; the
 * in-memory twin serves a single process and the unit tests.
 */
export interface AdmitRequest {
  callerKey: string;
  /** Unique per call; names the ticket if one is handed out. */
  ticketId: string;
  /** What this replica's own queue would make the call wait, in ms. */
  localWaitMs: number;
  /** Spacing between units of the budget at its granted rate. */
  slotMs: number;
  /** Units (slots) the call takes. */
  weight: number;
  maxWaitMs: number;
  /**
   * Places to share among competing callers (the slots within the wait bound): a caller may hold
   * (tickets + admitted slots not yet due) its share, at least one; beyond, a call books nothing and is
   * told when to return.
   */
  sharedPlaces: number;
  /** `admit`: admit when the wait fits, else a ticket; `defer`: a ticket in any case. */
  mode: 'admit' | 'defer';
}

export type AdmitResult =
  | { admitted: true; ticketed: boolean; pausedForMs: number }
  | { admitted: false; retryAfterMs: number; pausedForMs: number };

export interface PauseState {
  pausedForMs: number;
  reason: string;
}

export interface BudgetStore {
  /** False while the shared store is known to be unreachable (so callers need not wait for a timeout). */
  available(): boolean;
  admit(budgetKey: string, request: AdmitRequest): Promise<AdmitResult>;
  /** Pauses the budget; returns the pause now in force (a longer one already set is kept). */
  pause(budgetKey: string, ms: number, reason: string): Promise<PauseState & { changed: boolean }>;
  pausedFor(budgetKey: string): Promise<PauseState | null>;
  /** Called when another replica pauses a budget. */
  onRemotePause(listener: (budgetKey: string, state: PauseState) => void): void;
  close(): Promise<void>;
}

/** How late a ticket may still be redeemed: a model may take a while to come back. */
export const TICKET_GRACE_MS = 60_000;
/** How early: timers and clocks are not exact, and retry hints are rounded up to whole seconds. */
export const TICKET_EARLY_MS = 1_000;

interface Ticket {
  callerKey: string;
  dueAt: number;
}

interface MemoryBudgetState {
  tickets: Ticket[];
  /** Slots of admitted calls, until they are due. */
  admitted: Ticket[];
  /** Booked slot index → slot time. */
  slots: Map<number, number>;
  /** Caller → slot index of its latest ticket. */
  last: Map<string, number>;
  /** Caller → time until which it competes (its latest slot, or when it was told to come back). */
  competing: Map<string, number>;
  pauseUntil: number;
  pauseReason: string;
}

/** Same algorithm as `lua/admit.lua` and `lua/pause.lua`, for one process. */
export class MemoryBudgetStore implements BudgetStore {
  #budgets = new Map<string, MemoryBudgetState>();

  #state(budgetKey: string): MemoryBudgetState {
    let state = this.#budgets.get(budgetKey);
    if (state === undefined) {
      state = {
        tickets: [],
        admitted: [],
        slots: new Map(),
        last: new Map(),
        competing: new Map(),
        pauseUntil: 0,
        pauseReason: '',
      };
      this.#budgets.set(budgetKey, state);
    }
    return state;
  }

  available(): boolean {
    return true;
  }

  async admit(budgetKey: string, request: AdmitRequest): Promise<AdmitResult> {
    const now = Date.now();
    const unit = request.slotMs;
    const state = this.#state(budgetKey);
    const pausedForMs = Math.max(0, state.pauseUntil - now);
    state.tickets = state.tickets.filter((t) => t.dueAt >= now - TICKET_GRACE_MS);
    state.admitted = state.admitted.filter((t) => t.dueAt >= now);
    for (const [index, at] of state.slots) if (at < now - TICKET_GRACE_MS) state.slots.delete(index);
    const oldest = Math.floor((now - TICKET_GRACE_MS) / unit);
    for (const [caller, i] of state.last) if (i < oldest) state.last.delete(caller);

    const current = Math.floor(now / unit);
    const last = state.last.get(request.callerKey);
    for (const [caller, until] of state.competing) if (until < now) state.competing.delete(caller);
    const holders = state.competing.size + (state.competing.has(request.callerKey) ? 0 : 1);
    const competeUntil = (t: number) => {
      if (t > (state.competing.get(request.callerKey) ?? 0)) state.competing.set(request.callerKey, t);
    };

    if (request.mode === 'admit') {
      const due = state.tickets.findIndex((t) => t.callerKey === request.callerKey && t.dueAt <= now + TICKET_EARLY_MS);
      if (due !== -1) {
        state.tickets.splice(due, 1);
        return { admitted: true, ticketed: true, pausedForMs };
      }
      const held = [...state.tickets, ...state.admitted].filter((t) => t.callerKey === request.callerKey).length;
      if (held >= Math.max(1, Math.floor(request.sharedPlaces / holders))) {
        let turn = now + Math.max(pausedForMs, request.localWaitMs);
        if (last !== undefined) turn = Math.max(turn, last * unit);
        turn += holders * request.weight * unit;
        competeUntil(turn);
        return { admitted: false, retryAfterMs: Math.ceil(turn - now), pausedForMs };
      }
    }

    // See lua/admit.lua: a local queue longer than the wait bound pushes the booking past it.
    const backlog = request.localWaitMs > request.maxWaitMs ? request.localWaitMs : 0;
    const delay = Math.max(pausedForMs, backlog);
    let start = delay > 0 ? Math.ceil((now + delay) / unit) : current;
    if (last !== undefined) start = Math.max(start, last + holders * request.weight);
    let index = start;
    for (let probes = 0; probes < 100_000; probes++) {
      const taken = Array.from({ length: request.weight }, (_, i) => index + i).find((i) => state.slots.has(i));
      if (taken === undefined) break;
      index = taken + 1;
    }
    for (let i = 0; i < request.weight; i++) state.slots.set(index + i, (index + i) * unit);
    const dueAt = Math.ceil(index * unit);
    state.last.set(request.callerKey, index + request.weight - 1);
    competeUntil(Math.ceil((index + request.weight) * unit));
    if (request.mode === 'admit' && dueAt - now <= request.maxWaitMs * 0.8) {
      state.admitted.push({ callerKey: request.callerKey, dueAt: Math.ceil((index + request.weight) * unit) });
      return { admitted: true, ticketed: false, pausedForMs };
    }
    state.tickets.push({ callerKey: request.callerKey, dueAt });
    return { admitted: false, retryAfterMs: Math.max(0, dueAt - now), pausedForMs };
  }

  async pause(budgetKey: string, ms: number, reason: string): Promise<PauseState & { changed: boolean }> {
    const state = this.#state(budgetKey);
    const now = Date.now();
    const current = Math.max(0, state.pauseUntil - now);
    if (current >= ms) return { pausedForMs: current, reason: state.pauseReason, changed: false };
    state.pauseUntil = now + ms;
    state.pauseReason = reason;
    return { pausedForMs: ms, reason, changed: true };
  }

  async pausedFor(budgetKey: string): Promise<PauseState | null> {
    const state = this.#budgets.get(budgetKey);
    if (state === undefined) return null;
    const ms = state.pauseUntil - Date.now();
    return ms > 0 ? { pausedForMs: ms, reason: state.pauseReason } : null;
  }

  onRemotePause(): void {
    // One process: there is no other replica to hear from.
  }

  async close(): Promise<void> {
    this.#budgets.clear();
  }
}
