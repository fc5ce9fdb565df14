import { randomUUID } from 'node:crypto';
import { SwitchboardError } from '@switchboard/errors';
import { closeRedis } from '@switchboard/redis';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { type BudgetPlan, type BudgetSpec, planBudget } from './budget-plan.ts';
import { type BudgetStore, MemoryBudgetStore } from './budget-store.ts';
import { FairQueue } from './fair-queue.ts';
import { RedisBudgetStore } from './redis-budget-store.ts';

export type { BudgetSpec } from './budget-plan.ts';

export interface GovernorOptions {
  /** Upstream name (`blotato`, `gmail`): scopes every key, so budgets of two upstreams never mix. */
  upstream: string;
  budgets: Record<string, BudgetSpec>;
  /** Shared by every replica; absent → in-memory (one process). */
  redis?: Redis;
  /** Longest a call may wait in the queue before it is refused with a retry time. */
  maxWaitMs?: number;
  /**
   * While Redis is unreachable, each replica runs alone at its share of every budget (`budget ÷ replicas`,
   * so the team as a whole stays inside the upstream's limits); absent → calls are refused instead
   * (`STORE_UNAVAILABLE`), since the shared count is unknown.
   */
  fallback?: { replicas: number };
  onEvent?: (e: GovernorEvent) => void;
}

export type RefusalReason = 'busy' | 'paused' | 'wait_exceeded';

export type GovernorEvent =
  | { type: 'admitted'; upstream: string; budget: string; callerKey: string; ticketed: boolean; queued: number }
  | { type: 'started'; upstream: string; budget: string; callerKey: string; waitMs: number }
  | { type: 'finished'; upstream: string; budget: string; callerKey: string; durationMs: number; ok: boolean }
  | {
      type: 'refused';
      upstream: string;
      budget: string;
      callerKey: string;
      reason: RefusalReason;
      retryAfterS: number;
    }
  | {
      type: 'paused';
      upstream: string;
      budget: string;
      pausedForMs: number;
      reason: string;
      source: 'local' | 'remote';
    }
  | { type: 'store_error'; upstream: string; budget: string; message: string };

export interface BudgetSnapshot {
  queued: number;
  running: number;
  pausedUntil: number | null;
  refusals: number;
  upstream429s: number;
  /** Redis is unreachable and this replica runs on its share of the budget alone. */
  fallback: boolean;
}

export interface Governor {
  /** Runs fn inside the named budget, queued fairly per caller; throws SwitchboardError('RATE_LIMITED', …, { retryAfterS }) if it cannot start within maxWaitMs. */
  run<T>(
    budget: string,
    callerKey: string,
    fn: () => Promise<T>,
    options?: { weight?: number; signal?: AbortSignal },
  ): Promise<T>;
  /** The upstream said 429: pause this budget for everyone, on every replica, for retryAfterMs. */
  pause(budget: string, retryAfterMs: number, reason: string): Promise<void>;
  snapshot(): Record<string, BudgetSnapshot>;
  close(): Promise<void>;
}

/** Calls handed to bottleneck per budget and replica; the round-robin choice is made as late as possible. */
const FEED_LIMIT = 1;
/** A call still "running" after this is released by bottleneck, so a replica that died mid-call cannot hold a concurrency slot forever. */
const JOB_EXPIRATION_MS = 10 * 60_000;
/** Bottleneck's Redis keys expire after a day without traffic. */
const KEY_TTL_MS = 24 * 60 * 60_000;
const DEFAULT_MAX_WAIT_MS = 10_000;
/** After the shared limiter fails to count a call, how long this replica runs on its fallback share before trying it again. */
const SHARED_RETRY_MS = 1_000;

type EntryState = 'queued' | 'submitted' | 'running' | 'settled';

interface Entry {
  callerKey: string;
  weight: number;
  fn: () => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  enqueuedAt: number;
  state: EntryState;
  /** Handed to bottleneck and not started yet (counted in `#submitted`). */
  inLimiter: boolean;
  /** Handed to this replica's own fallback limiter rather than the shared one. */
  viaFallback: boolean;
  submission?: number;
  deadline: NodeJS.Timeout | undefined;
  cleanup: () => void;
}

/**
 * The upstream governor: each budget of one upstream account (e.g. Blotato's 30 post creations per minute)
 * is shared by every caller and every replica.
 *
 * Layers, outermost first:
 * 1. Admission (Redis Lua, `lua/admit.lua`): a call whose wait would exceed `maxWaitMs` is refused at once
 *    with a ticket, a time to come back at which it will be served ahead of fresh calls. Tickets are spread at
 *    the budget's rate and between callers, so the "retry in N s" we give is one the budget can keep.
 * 2. Fairness (per replica): admitted calls wait in per-caller queues served round robin; bottleneck only
 *    ever holds `FEED_LIMIT` calls per budget and replica, so a burst from one key cannot starve the others.
 * 3. The budget itself: bottleneck on its Redis datastore (one `id` per upstream and budget), a reservoir
 *    refilled in sub-windows (`planBudget`) so no span of the interval, wherever it starts, exceeds the limit.
 * Pauses (an upstream 429) live in Redis with a TTL, reach other replicas by pub/sub at once, and are
 * checked again the moment a call starts.
 */
export function createGovernor(options: GovernorOptions): Governor {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const emit = (event: GovernorEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A metrics hook must never break a call.
    }
  };
  const store: BudgetStore =
    options.redis === undefined ? new MemoryBudgetStore() : new RedisBudgetStore(options.redis);
  const connection =
    options.redis === undefined ? undefined : new Bottleneck.IORedisConnection({ client: options.redis, Redis });
  connection?.on('error', () => {});
  if (connection !== undefined) tolerateFailedUnsubscribe(connection);

  const lanes = new Map<string, Lane>();
  const byStoreKey = new Map<string, Lane>();
  for (const [name, spec] of Object.entries(options.budgets)) {
    const lane = new Lane(options.upstream, name, spec, maxWaitMs, store, emit, connection, options.fallback);
    lanes.set(name, lane);
    byStoreKey.set(lane.storeKey, lane);
  }
  store.onRemotePause((storeKey, state) => {
    const lane = byStoreKey.get(storeKey);
    if (lane === undefined) return;
    lane.notePause(state.pausedForMs, state.reason);
    emit({
      type: 'paused',
      upstream: options.upstream,
      budget: lane.name,
      pausedForMs: state.pausedForMs,
      reason: state.reason,
      source: 'remote',
    });
  });

  const laneOf = (budget: string): Lane => {
    const lane = lanes.get(budget);
    // A programming error (a tool names a budget its server never declared), not a caller's fault.
    if (lane === undefined) throw new Error(`governor ${options.upstream}: unknown budget "${budget}"`);
    return lane;
  };
  let closed = false;

  return {
    async run<T>(
      budget: string,
      callerKey: string,
      fn: () => Promise<T>,
      runOptions: { weight?: number; signal?: AbortSignal } = {},
    ): Promise<T> {
      const lane = laneOf(budget);
      if (closed) {
        throw new SwitchboardError('UPSTREAM_UNAVAILABLE', 'This tool server is shutting down; retry in a moment.', {
          retryAfterS: 1,
          context: { upstream: options.upstream },
        });
      }
      runOptions.signal?.throwIfAborted();
      return (await lane.run(callerKey, fn, runOptions.weight ?? 1, runOptions.signal)) as T;
    },

    async pause(budget: string, retryAfterMs: number, reason: string): Promise<void> {
      await laneOf(budget).pause(retryAfterMs, reason);
    },

    snapshot() {
      const out: Record<string, BudgetSnapshot> = {};
      for (const [name, lane] of lanes) out[name] = lane.snapshot();
      return out;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...lanes.values()].map((lane) => lane.close()));
      await store.close();
      if (connection !== undefined) {
        // The client is the caller's; only the subscriber bottleneck opened for itself is ours to close.
        await closeRedis(subscriberOf(connection));
      }
    },
  };
}

class Lane {
  readonly storeKey: string;
  readonly plan: BudgetPlan;
  #limiter: Bottleneck;
  readonly #limiterOptions: Bottleneck.ConstructorOptions;
  /** This replica's share of the budget, in memory, used only while the shared store is unreachable. */
  #fallbackLimiter: Bottleneck | undefined;
  readonly #fallbackSpec: BudgetSpec | undefined;
  /** Spacing between starts on the fallback share. */
  readonly #fallbackUnitMs: number;
  /** Calls handed to the current limiter and not started; re-queued if the limiter is rebuilt. */
  readonly #inLimiter = new Set<Entry>();
  #submissions = 0;
  #sharedFailedAt = 0;
  #rebuiltAt = 0;
  #rebuilding = false;
  readonly #queue = new FairQueue<Entry>();
  #submitted = 0;
  #running = 0;
  #pausedUntil = 0;
  #pauseReason = '';
  #refusals = 0;
  #upstream429s = 0;
  /** Observed time between starts on this replica while it had work waiting (its share of the budget). */
  #startIntervalMs: number;
  /** Calendar slot: the time one unit of the budget takes at the pace bottleneck actually keeps. */
  readonly #unitMs: number;
  #lastStartAt = 0;
  #backlogged = false;
  #feedTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    readonly upstream: string,
    readonly name: string,
    readonly spec: BudgetSpec,
    readonly maxWaitMs: number,
    readonly store: BudgetStore,
    readonly emit: (e: GovernorEvent) => void,
    connection: Bottleneck.IORedisConnection | undefined,
    fallback: { replicas: number } | undefined,
  ) {
    this.storeKey = `${upstream}:${name}`;
    this.#fallbackSpec =
      fallback === undefined || connection === undefined
        ? undefined
        : {
            // At least one call per interval: a budget smaller than the replica count cannot be split further.
            limit: Math.max(1, Math.floor(spec.limit / fallback.replicas)),
            intervalMs: spec.intervalMs,
            ...(spec.maxConcurrent === undefined
              ? {}
              : { maxConcurrent: Math.max(1, Math.floor(spec.maxConcurrent / fallback.replicas)) }),
          };
    this.#fallbackUnitMs = this.#fallbackSpec === undefined ? 0 : planBudget(this.#fallbackSpec).slotMs;
    this.plan = planBudget(spec);
    const heartbeatInterval = Math.min(500, Math.max(50, Math.floor(this.plan.refreshIntervalMs / 20)));
    // Bottleneck notices a refill on its next heartbeat and restarts the sub-window from then, so each
    // sub-window lasts up to a heartbeat longer than planned: the calendar books at that slower pace.
    this.#unitMs = Math.max(this.plan.slotMs, (this.plan.refreshIntervalMs + heartbeatInterval) / this.plan.reservoir);
    this.#startIntervalMs = this.#unitMs;
    const limiterOptions: Bottleneck.ConstructorOptions & { heartbeatInterval: number } = {
      reservoir: this.plan.reservoir,
      reservoirRefreshAmount: this.plan.reservoir,
      reservoirRefreshInterval: this.plan.refreshIntervalMs,
      maxConcurrent: spec.maxConcurrent ?? null,
      minTime: this.plan.minTimeMs,
      // How soon a refilled reservoir is noticed; bottleneck's Redis default (5 s) would idle whole sub-windows.
      heartbeatInterval,
      ...(connection === undefined
        ? {}
        : {
            datastore: 'ioredis',
            connection,
            // The spec is part of the id: replicas running another configuration never share (and never
            // silently keep) settings written by a different one.
            id: `{sb:gov:${this.storeKey.replaceAll(/[{}]/g, '_')}}:${this.plan.reservoir}/${this.plan.refreshIntervalMs}/${spec.maxConcurrent ?? '-'}`,
            clearDatastore: false,
            timeout: KEY_TTL_MS,
          }),
    };
    this.#limiterOptions = limiterOptions;
    this.#limiter = this.#createLimiter();
  }

  /**
   * Redis is unreachable (or the shared limiter just failed to count a call) and a fallback is configured:
   * this replica counts its calls alone, against its share of the budget.
   */
  #usingFallback(): boolean {
    if (this.#fallbackSpec === undefined) return false;
    return !this.store.available() || Date.now() - this.#sharedFailedAt < SHARED_RETRY_MS;
  }

  #fallback(): Bottleneck {
    if (this.#fallbackLimiter === undefined && this.#fallbackSpec !== undefined) {
      const plan = planBudget(this.#fallbackSpec);
      this.#fallbackLimiter = new Bottleneck({
        reservoir: plan.reservoir,
        reservoirRefreshAmount: plan.reservoir,
        reservoirRefreshInterval: plan.refreshIntervalMs,
        maxConcurrent: this.#fallbackSpec.maxConcurrent ?? null,
        minTime: plan.minTimeMs,
      });
    }
    return this.#fallbackLimiter ?? this.#limiter;
  }

  #createLimiter(): Bottleneck {
    const limiter = new Bottleneck(this.#limiterOptions);
    // Connecting fails while Redis is down; jobs then fail on their own (see #dropped), so the start-up
    // promise is not needed beyond that, and left unhandled it would bring the process down.
    limiter.ready().catch((error: unknown) => this.#storeError(error));
    limiter.on('error', (error: unknown) => {
      this.#storeError(error);
      if (isLostLimiterState(error)) this.#rebuild();
    });
    return limiter;
  }

  /**
   * Bottleneck recovers from losing its Redis state (keys expired, Redis restarted empty) and from being
   * dropped as an unresponsive client by matching the exact messages `SETTINGS_KEY_NOT_FOUND` and
   * `UNKNOWN_CLIENT`; Redis 7 prefixes them with `ERR `, so that recovery never runs
   * (https://github.com/SGrondin/bottleneck/issues/205, /issues/212). A fresh limiter on the same id
   * re-creates the state and registers again; the calls the old one held go back to the head of their queues.
   */
  #rebuild(): void {
    if (this.#closed || this.#rebuilding || Date.now() - this.#rebuiltAt < 1000) return;
    this.#rebuilding = true;
    for (const entry of this.#inLimiter) {
      entry.inLimiter = false;
      this.#submitted--;
      if (entry.state === 'submitted') {
        entry.state = 'queued';
        this.#queue.unshift(entry);
      }
    }
    this.#inLimiter.clear();
    try {
      // Unsubscribes the limiter's channels on the shared connection; the new limiter subscribes to the
      // same channels, so it is created only once that is done.
      void Promise.resolve(this.#limiter.disconnect(false)).catch(() => {});
    } catch {
      // The old limiter is abandoned either way.
    }
    setTimeout(() => {
      this.#rebuilding = false;
      this.#rebuiltAt = Date.now();
      if (this.#closed) return;
      this.#limiter = this.#createLimiter();
      this.#feed();
    }, 250).unref();
  }

  estimateWaitMs(callerKey: string): number {
    const ahead = this.#queue.aheadOf(callerKey) + this.#submitted;
    const interval = this.#usingFallback()
      ? Math.max(this.#startIntervalMs, this.#fallbackUnitMs)
      : this.#startIntervalMs;
    return Math.max(0, this.#pausedUntil - Date.now()) + ahead * interval;
  }

  async run(callerKey: string, fn: () => Promise<unknown>, weight: number, signal?: AbortSignal): Promise<unknown> {
    // Failing closed: with Redis known to be down, say so at once rather than after the whole wait.
    if (this.#fallbackSpec === undefined && !this.store.available()) throw this.#storeUnavailable();
    const units = Math.max(1, Math.min(Math.ceil(weight), this.plan.reservoir));
    const admission = await this.#admit(callerKey, units, 'admit');
    if (admission.pausedForMs > 0) this.notePause(admission.pausedForMs, this.#pauseReason);
    if (!admission.admitted) {
      throw this.#refuse(callerKey, admission.retryAfterMs, admission.pausedForMs > 0 ? 'paused' : 'busy');
    }
    signal?.throwIfAborted();

    return new Promise((resolve, reject) => {
      const entry: Entry = {
        callerKey,
        weight: units,
        fn,
        resolve,
        reject,
        enqueuedAt: Date.now(),
        state: 'queued',
        inLimiter: false,
        viaFallback: false,
        deadline: undefined,
        cleanup: () => {},
      };
      const onAbort = () => {
        if (!this.#withdraw(entry)) return;
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.deadline = setTimeout(() => void this.#expire(entry), this.maxWaitMs);
      entry.cleanup = () => {
        clearTimeout(entry.deadline);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#queue.push(entry);
      this.emit({
        type: 'admitted',
        upstream: this.upstream,
        budget: this.name,
        callerKey,
        ticketed: admission.ticketed,
        queued: this.#queue.size + this.#submitted,
      });
      this.#feed();
    });
  }

  async pause(retryAfterMs: number, reason: string): Promise<void> {
    this.#upstream429s++;
    const ms = Math.max(1, Math.ceil(retryAfterMs));
    let inForce = { pausedForMs: ms, reason };
    try {
      inForce = await this.store.pause(this.storeKey, ms, reason);
    } catch (error) {
      this.#storeError(error);
    }
    this.notePause(inForce.pausedForMs, inForce.reason);
    this.emit({
      type: 'paused',
      upstream: this.upstream,
      budget: this.name,
      pausedForMs: inForce.pausedForMs,
      reason: inForce.reason,
      source: 'local',
    });
  }

  notePause(pausedForMs: number, reason: string): void {
    const until = Date.now() + pausedForMs;
    if (until > this.#pausedUntil) {
      this.#pausedUntil = until;
      if (reason !== '') this.#pauseReason = reason;
    }
    this.#backlogged = false;
    this.#feed();
  }

  snapshot(): BudgetSnapshot {
    return {
      queued: this.#queue.size + this.#submitted,
      running: this.#running,
      pausedUntil: this.#pausedUntil > Date.now() ? this.#pausedUntil : null,
      refusals: this.#refusals,
      upstream429s: this.#upstream429s,
      fallback: this.#usingFallback(),
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#feedTimer);
    for (const entry of this.#queue.drain()) {
      entry.state = 'settled';
      entry.cleanup();
      entry.reject(
        new SwitchboardError('UPSTREAM_UNAVAILABLE', 'This tool server is shutting down; retry in a moment.', {
          retryAfterS: 1,
          context: { upstream: this.upstream, budget: this.name },
        }),
      );
    }
    try {
      // With a shared connection bottleneck returns nothing here; with its own, a promise.
      await this.#limiter.disconnect(false);
      await this.#fallbackLimiter?.disconnect(false);
    } catch {
      // Closing is best effort: the process is on its way out.
    }
  }

  async #admit(callerKey: string, units: number, mode: 'admit' | 'defer') {
    if (this.#usingFallback()) return this.#admitLocally(callerKey, mode);
    try {
      return await this.store.admit(this.storeKey, {
        callerKey,
        ticketId: randomUUID(),
        localWaitMs: mode === 'admit' ? this.estimateWaitMs(callerKey) : 0,
        slotMs: this.#unitMs,
        weight: units,
        maxWaitMs: this.maxWaitMs,
        sharedPlaces: Math.max(1, Math.floor(this.maxWaitMs / this.#unitMs)),
        mode,
      });
    } catch (error) {
      // Without the shared store there is no promise to keep across replicas; queueing locally is still
      // bounded by maxWaitMs, and the call runs only if something can count it (bottleneck on the same
      // Redis, or this replica's fallback share).
      this.#storeError(error);
      return this.#admitLocally(callerKey, mode);
    }
  }

  #admitLocally(callerKey: string, mode: 'admit' | 'defer') {
    const localWaitMs = this.estimateWaitMs(callerKey);
    if (mode === 'admit' && localWaitMs <= this.maxWaitMs) {
      return { admitted: true as const, ticketed: false, pausedForMs: 0 };
    }
    return { admitted: false as const, retryAfterMs: localWaitMs + this.#unitMs, pausedForMs: 0 };
  }

  #refuse(callerKey: string, retryAfterMs: number, reason: RefusalReason): SwitchboardError {
    this.#refusals++;
    const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
    // `retry_at` keeps the exact time (clients that can use it come back on their slot, not up to a
    // second later); `retry_after_s` is rounded up, so a client using it is never early.
    const retryAt = new Date(Date.now() + Math.max(0, retryAfterMs)).toISOString();
    this.emit({ type: 'refused', upstream: this.upstream, budget: this.name, callerKey, reason, retryAfterS });
    const interval = formatInterval(this.spec.intervalMs);
    const share =
      this.#usingFallback() && this.#fallbackSpec !== undefined
        ? `${planBudget(this.#fallbackSpec).perInterval} per ${interval} on this replica while the shared store is unreachable`
        : `${this.plan.perInterval} per ${interval}, shared by every caller`;
    const maxWaitS = Math.round(this.maxWaitMs / 100) / 10;
    const why =
      reason === 'paused'
        ? `${this.upstream} answered 429 (too many requests) on "${this.name}", so every caller is paused` +
          (this.#pauseReason === '' ? '' : ` (${this.#pauseReason})`)
        : reason === 'wait_exceeded'
          ? `${this.upstream} budget "${this.name}" (${share}) had no room for this call within ${maxWaitS} s`
          : `${this.upstream} budget "${this.name}" (${share}) is fully booked for the next ${maxWaitS} s`;
    return new SwitchboardError(
      'RATE_LIMITED',
      `${why}. Nothing was sent upstream; retry in ${retryAfterS} s (after ${new Date(Date.now() + retryAfterS * 1000).toISOString().replace(/\.\d+Z$/, 'Z')}).`,
      {
        retryAfterS,
        context: { upstream: this.upstream, budget: this.name },
        details: { budget: this.name, reason, retry_at: retryAt },
      },
    );
  }

  /** Takes a call out of line if it has not started; false when it already runs or was settled. */
  #withdraw(entry: Entry): boolean {
    if (entry.state === 'queued') this.#queue.remove(entry);
    else if (entry.state !== 'submitted') return false;
    // A submitted call stays in bottleneck; when its turn comes it is skipped (see #start).
    entry.state = 'settled';
    entry.cleanup();
    return true;
  }

  async #expire(entry: Entry): Promise<void> {
    if (!this.#withdraw(entry)) return;
    const ticket = await this.#admit(entry.callerKey, entry.weight, 'defer');
    const retryAfterMs = ticket.admitted ? this.#unitMs : ticket.retryAfterMs;
    entry.reject(
      this.#refuse(entry.callerKey, retryAfterMs, this.#pausedUntil > Date.now() ? 'paused' : 'wait_exceeded'),
    );
  }

  #feed(): void {
    if (this.#closed || this.#rebuilding) return;
    while (this.#submitted < FEED_LIMIT && this.#queue.size > 0) {
      const wait = this.#pausedUntil - Date.now();
      if (wait > 0) {
        clearTimeout(this.#feedTimer);
        this.#feedTimer = setTimeout(() => this.#feed(), wait + 5);
        return;
      }
      const entry = this.#queue.shift();
      if (entry === undefined) return;
      const viaFallback = this.#usingFallback();
      entry.state = 'submitted';
      entry.inLimiter = true;
      entry.viaFallback = viaFallback;
      this.#inLimiter.add(entry);
      this.#submitted++;
      // A submission number, so a limiter abandoned by #rebuild can never start a call handed on since.
      const submission = ++this.#submissions;
      entry.submission = submission;
      (viaFallback ? this.#fallback() : this.#limiter)
        .schedule({ weight: entry.weight, expiration: JOB_EXPIRATION_MS }, () =>
          entry.submission === submission ? this.#start(entry) : Promise.resolve(),
        )
        .catch((error: unknown) => {
          if (entry.submission === submission) this.#dropped(entry, error);
        });
    }
  }

  #leaveLimiter(entry: Entry): void {
    if (!entry.inLimiter) return;
    entry.inLimiter = false;
    this.#inLimiter.delete(entry);
    this.#submitted--;
  }

  /**
   * Bottleneck gave a call up: it could not reach Redis to count it (or it ran past its expiration, or the
   * governor is closing). A call that never started is refused: without the shared count it must not run.
   */
  #dropped(entry: Entry, error: unknown): void {
    const neverStarted = entry.inLimiter;
    this.#leaveLimiter(entry);
    if (neverStarted && entry.state === 'submitted' && isLostLimiterState(error)) {
      entry.state = 'queued';
      this.#queue.unshift(entry);
      this.#rebuild();
    } else if (neverStarted && entry.state === 'submitted' && this.#fallbackSpec !== undefined && !entry.viaFallback) {
      // The shared limiter could not count it: this replica's own share takes over for a moment.
      this.#storeError(error);
      this.#sharedFailedAt = Date.now();
      entry.state = 'queued';
      this.#queue.unshift(entry);
    } else if (neverStarted && entry.state === 'submitted') {
      entry.state = 'settled';
      entry.cleanup();
      this.#storeError(error);
      entry.reject(this.#storeUnavailable());
    }
    this.#feed();
  }

  #storeUnavailable(): SwitchboardError {
    return new SwitchboardError(
      'STORE_UNAVAILABLE',
      `The shared rate-limit store is unreachable, so ${this.upstream} calls cannot be counted against the team's limits; nothing was sent. Retry in 5 s.`,
      { retryAfterS: 5, context: { upstream: this.upstream, budget: this.name } },
    );
  }

  /** Runs as a bottleneck job: the budget has granted this call its units. */
  async #start(entry: Entry): Promise<void> {
    this.#leaveLimiter(entry);
    if (entry.state !== 'submitted') {
      // Its wait expired while bottleneck held it: the units are spent unused, which only errs on the safe side.
      this.#feed();
      return;
    }
    // A pause set on another replica since this call was queued must hold before anything is sent.
    let pause: { pausedForMs: number; reason: string } | null = null;
    if (!entry.viaFallback) {
      try {
        pause = await this.store.pausedFor(this.storeKey);
      } catch (error) {
        this.#storeError(error);
      }
    }
    const localPauseMs = this.#pausedUntil - Date.now();
    if (pause === null && localPauseMs > 0) pause = { pausedForMs: localPauseMs, reason: this.#pauseReason };
    if ((entry.state as EntryState) !== 'submitted') {
      this.#feed();
      return;
    }
    if (pause !== null) {
      entry.state = 'queued';
      this.#queue.unshift(entry);
      this.notePause(pause.pausedForMs, pause.reason);
      return;
    }
    entry.state = 'running';
    entry.cleanup();
    const now = Date.now();
    if (this.#backlogged && this.#lastStartAt > 0) {
      const gap = now - this.#lastStartAt;
      const bounded = Math.min(gap, this.#unitMs * 32);
      this.#startIntervalMs = 0.7 * this.#startIntervalMs + 0.3 * Math.max(bounded, this.#unitMs / 4);
    }
    this.#lastStartAt = now;
    this.#backlogged = this.#queue.size > 0;
    this.#running++;
    this.emit({
      type: 'started',
      upstream: this.upstream,
      budget: this.name,
      callerKey: entry.callerKey,
      waitMs: now - entry.enqueuedAt,
    });
    this.#feed();
    try {
      const value = await entry.fn();
      entry.state = 'settled';
      entry.resolve(value);
      this.#finished(entry, now, true);
    } catch (error) {
      entry.state = 'settled';
      entry.reject(error);
      this.#finished(entry, now, false);
    } finally {
      this.#running--;
    }
  }

  #finished(entry: Entry, startedAt: number, ok: boolean): void {
    this.emit({
      type: 'finished',
      upstream: this.upstream,
      budget: this.name,
      callerKey: entry.callerKey,
      durationMs: Date.now() - startedAt,
      ok,
    });
  }

  #storeError(error: unknown): void {
    this.emit({
      type: 'store_error',
      upstream: this.upstream,
      budget: this.name,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The connection bottleneck duplicates from the caller's client for its channels (set at construction, untyped). */
function subscriberOf(connection: Bottleneck.IORedisConnection): Redis {
  return (connection as unknown as { subscriber: Redis }).subscriber;
}

/**
 * Bottleneck drops a limiter's channels without awaiting the unsubscribe (`__removeLimiter__` runs async
 * callbacks in a forEach), so disconnecting a limiter while Redis is down (closing, or rebuilding after an
 * outage) left an unhandled rejection that ends the process. A failed unsubscribe is harmless: the
 * subscription is gone with the connection anyway. Patched at once, not when the connection is ready, since
 * Redis may already be down when the governor starts.
 */
function tolerateFailedUnsubscribe(connection: Bottleneck.IORedisConnection): void {
  const subscriber = subscriberOf(connection) as { unsubscribe: (...channels: string[]) => Promise<unknown> };
  const unsubscribe = subscriber.unsubscribe.bind(subscriber);
  subscriber.unsubscribe = (...channels) => unsubscribe(...channels).catch(() => 0);
}

function isLostLimiterState(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/.test(message);
}

function formatInterval(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms === 1000) return 'second';
  if (ms === 3_600_000) return 'hour';
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
