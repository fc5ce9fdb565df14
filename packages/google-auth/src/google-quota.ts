import { createHash } from 'node:crypto';
import {
  type BudgetSnapshot,
  type BudgetSpec,
  createGovernor,
  type Governor,
  type GovernorOptions,
} from '@switchboard/governor';
import type { Redis } from 'ioredis';
import type { QuotaGate } from './google-api-client.ts';

export interface GoogleQuotaOptions {
  /** `gmail` or `drive`. */
  upstream: string;
  /** One Google account's budget, e.g. Gmail's 15,000 units per user per minute less a safety margin. */
  perAccount: BudgetSpec;
  /**
   * Budget lanes accounts are hashed onto (see below). Each lane is a bottleneck limiter whose reservoir
   * heartbeat runs in Redis several times a second, so this stays small.
   */
  shards?: number;
  redis?: Redis;
  maxWaitMs?: number;
  /** Per-replica shares while Redis is down (see `GovernorOptions.fallback`). */
  fallback?: { replicas: number };
  onEvent?: GovernorOptions['onEvent'];
}

export interface GoogleQuota extends QuotaGate {
  /** The governor underneath, for metrics (`createGovernorMetrics(...).observe`). */
  governor: Governor;
  snapshot(): Record<string, BudgetSnapshot>;
  close(): Promise<void>;
}

/**
 * Google's per-user quotas through the governor. The governor's budgets are declared up front, while Google
 * accounts come and go; so each account is hashed onto one of `shards` lanes, each holding one account's
 * full budget. An account never gets more than its own quota (it lives in exactly one lane, the same on every
 * replica); two accounts that share a lane share one account's budget, which errs on the safe side (the
 * per-user figures are far above interactive use) and keeps Redis connections and timers fixed however many
 * accounts are linked. Callers (team keys) are queued fairly inside a lane.
 */
export function createGoogleQuota(options: GoogleQuotaOptions): GoogleQuota {
  const shards = options.shards ?? 8;
  const budgets: Record<string, BudgetSpec> = {};
  for (let i = 0; i < shards; i++) budgets[laneName(i)] = options.perAccount;
  const governor = createGovernor({
    upstream: options.upstream,
    budgets,
    ...(options.redis === undefined ? {} : { redis: options.redis }),
    ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
    ...(options.fallback === undefined ? {} : { fallback: options.fallback }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  const laneOf = (accountKey: string) =>
    laneName(createHash('sha256').update(accountKey).digest().readUInt32BE(0) % shards);
  return {
    governor,
    run: (accountKey, callerKey, units, fn, signal) =>
      governor.run(laneOf(accountKey), callerKey, fn, { weight: units, ...(signal === undefined ? {} : { signal }) }),
    pause: (accountKey, retryAfterMs, reason) => governor.pause(laneOf(accountKey), retryAfterMs, reason),
    snapshot: () => governor.snapshot(),
    close: () => governor.close(),
  };
}

function laneName(index: number): string {
  return `account-${String(index).padStart(2, '0')}`;
}
