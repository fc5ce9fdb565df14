import { readFileSync } from 'node:fs';
import { closeRedis, keepSubscribed } from '@switchboard/redis';
import type { Redis } from 'ioredis';
import {
  type AdmitRequest,
  type AdmitResult,
  type BudgetStore,
  type PauseState,
  TICKET_EARLY_MS,
  TICKET_GRACE_MS,
} from './budget-store.ts';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}`, import.meta.url), 'utf8');

interface GovernorCommands {
  sbGovAdmit(...args: (string | number)[]): Promise<[number, number, number]>;
  sbGovPause(...args: (string | number)[]): Promise<[number, number]>;
}

/** Pause messages for every budget of every upstream travel on one channel. */
export const PAUSE_CHANNEL = 'sb:gov:pause';

/** Every key of a budget carries the same hash tag, so each script touches one Redis Cluster slot. */
export function budgetKeys(budgetKey: string) {
  const tag = `{sb:gov:${budgetKey.replaceAll(/[{}]/g, '_')}}`;
  return {
    tag,
    tickets: `${tag}:tickets`,
    slots: `${tag}:slots`,
    last: `${tag}:last`,
    pause: `${tag}:pause`,
    held: `${tag}:held`,
    admitted: `${tag}:admitted`,
    competing: `${tag}:competing`,
  };
}

export class RedisBudgetStore implements BudgetStore {
  readonly #redis: Redis & GovernorCommands;
  #subscriber: Redis | undefined;
  readonly #listeners: ((budgetKey: string, state: PauseState) => void)[] = [];
  /** Optimistic until the connection is seen to close: a client still connecting at start queues commands. */
  #up = true;
  readonly #onClose = () => {
    this.#up = false;
  };
  readonly #onReady = () => {
    this.#up = true;
  };

  constructor(redis: Redis) {
    redis.on('close', this.#onClose);
    redis.on('ready', this.#onReady);
    if (typeof (redis as Partial<GovernorCommands>).sbGovAdmit !== 'function') {
      redis.defineCommand('sbGovAdmit', { numberOfKeys: 7, lua: lua('admit.lua') });
      redis.defineCommand('sbGovPause', { numberOfKeys: 1, lua: lua('pause.lua') });
    }
    this.#redis = redis as Redis & GovernorCommands;
  }

  available(): boolean {
    return this.#up;
  }

  async admit(budgetKey: string, request: AdmitRequest): Promise<AdmitResult> {
    const keys = budgetKeys(budgetKey);
    const [admitted, value, pausedForMs] = await this.#redis.sbGovAdmit(
      keys.tickets,
      keys.slots,
      keys.last,
      keys.pause,
      keys.held,
      keys.admitted,
      keys.competing,
      request.callerKey,
      request.ticketId,
      Math.ceil(request.localWaitMs),
      request.slotMs,
      request.weight,
      request.maxWaitMs,
      request.mode,
      TICKET_GRACE_MS,
      TICKET_EARLY_MS,
      request.sharedPlaces,
    );
    return admitted === 1
      ? { admitted: true, ticketed: value === 1, pausedForMs }
      : { admitted: false, retryAfterMs: value, pausedForMs };
  }

  async pause(budgetKey: string, ms: number, reason: string): Promise<PauseState & { changed: boolean }> {
    const keys = budgetKeys(budgetKey);
    const [inForce, changed] = await this.#redis.sbGovPause(
      keys.pause,
      Math.ceil(ms),
      reason,
      PAUSE_CHANNEL,
      budgetKey,
    );
    if (changed === 1) return { pausedForMs: inForce, reason, changed: true };
    return { ...((await this.pausedFor(budgetKey)) ?? { pausedForMs: inForce, reason }), changed: false };
  }

  async pausedFor(budgetKey: string): Promise<PauseState | null> {
    const key = budgetKeys(budgetKey).pause;
    const result = await this.#redis.multi().pttl(key).get(key).exec();
    const ms = Number(result?.[0]?.[1] ?? -2);
    const reason = result?.[1]?.[1];
    return ms > 0 ? { pausedForMs: ms, reason: typeof reason === 'string' ? reason : '' } : null;
  }

  onRemotePause(listener: (budgetKey: string, state: PauseState) => void): void {
    this.#listeners.push(listener);
    if (this.#subscriber !== undefined) return;
    // Subscribing takes a connection of its own (a subscribed connection runs no other command). It subscribes
    // again on every reconnect, even after a first SUBSCRIBE failed (the governor tests start a replica during
    // an outage and check it hears pauses once Redis is back).
    const subscriber = this.#redis.duplicate({ autoResubscribe: false });
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, message: string) => {
      let parsed: { budget?: unknown; ms?: unknown; reason?: unknown };
      try {
        parsed = JSON.parse(message);
      } catch {
        return;
      }
      if (typeof parsed.budget !== 'string' || typeof parsed.ms !== 'number') return;
      const state = { pausedForMs: parsed.ms, reason: typeof parsed.reason === 'string' ? parsed.reason : '' };
      for (const l of this.#listeners) l(parsed.budget, state);
    });
    keepSubscribed(subscriber, PAUSE_CHANNEL);
    this.#subscriber = subscriber;
  }

  async close(): Promise<void> {
    this.#redis.off('close', this.#onClose);
    this.#redis.off('ready', this.#onReady);
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    if (subscriber !== undefined) await closeRedis(subscriber);
  }
}
