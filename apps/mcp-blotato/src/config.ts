import { env, loadConfig } from '@switchboard/config';
import { type BudgetSpec, governorEnvShape, governorFallback } from '@switchboard/governor';
import { z } from 'zod';
import { BLOTATO_BUDGET_NAMES, type BlotatoBudget, defaultBudgets } from './budgets.ts';

const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const budgetOverride = z.union([
  z.number().positive(),
  z.object({
    limit: z.number().positive(),
    intervalMs: z.number().int().positive().optional(),
    maxConcurrent: z.number().int().positive().optional(),
  }),
]);

const budgetOverrides = z.preprocess(
  (value) => {
    if (value === undefined || value === '') return {};
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  },
  z.partialRecord(z.enum(BLOTATO_BUDGET_NAMES as [BlotatoBudget, ...BlotatoBudget[]]), budgetOverride),
);

/** Environment of the Blotato tool server; README.md lists the same variables. */
export const blotatoEnvSchema = z.object({
  /** Listener port (loopback by default; only the gateway talks to it). */
  BLOTATO_PORT: env.port(8101),
  BLOTATO_HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  /** The team's Blotato API key. Unset: the server starts and every tool answers NOT_CONFIGURED. */
  BLOTATO_API_KEY: env.optionalString(),
  /** API root; tests point it at the fake. */
  BLOTATO_BASE_URL: env.url('https://backend.blotato.com'),
  /** Shared by replicas for governor budgets and idempotency records; unset = in-memory (one process). */
  REDIS_URL: env.optionalString(),
  /** Secrets verifying the gateway's caller assertions (comma-separated; first signs, all verify). */
  CALLER_ASSERTION_SECRET: env
    .assertionSecrets()
    .refine((list) => list.length > 0, 'required: the secret the gateway signs caller assertions with'),
  /** The gateway's public URL, named in the server's instructions. */
  GATEWAY_PUBLIC_URL: env.url('http://localhost:8080'),
  /** Budget overrides, JSON: {"post_create": 20} (per minute) or {"post_create": {"limit": 20, "intervalMs": 60000}}. */
  BLOTATO_BUDGETS: budgetOverrides,
  /** Default budgets are this fraction of Blotato's documented per-route limits. */
  BLOTATO_BUDGET_MARGIN: z.preprocess(unsetIfEmpty, z.coerce.number().gt(0).max(1).default(0.9)),
  /** Longest a call waits for its budget before RATE_LIMITED with a retry time. */
  GOVERNOR_MAX_WAIT_MS: env.positiveInt(10_000),
  ...governorEnvShape,
  /** Per-request timeout towards Blotato. */
  BLOTATO_TIMEOUT_MS: env.positiveInt(30_000),
  /** An uncertain post not found upstream after this long is considered not sent and may be resent. */
  BLOTATO_RECONCILE_SETTLE_S: env.positiveInt(120),
  /** Identical writes without an idempotency_key within this window count as one (derived key). */
  BLOTATO_DERIVED_KEY_WINDOW_S: env.positiveInt(600),
  /** Poll interval of get_post_status with wait_s (Blotato advises ~2 s). */
  BLOTATO_POST_POLL_MS: env.positiveInt(2_000),
  /** Poll interval of get_visual_status with wait_s (Blotato advises ≥ 15 s). */
  BLOTATO_VISUAL_POLL_MS: env.positiveInt(15_000),
  LOG_LEVEL: env.logLevel(),
});

export interface BlotatoConfig {
  port: number;
  host: string;
  apiKey: string | undefined;
  baseUrl: string;
  redisUrl: string | undefined;
  assertionSecrets: string[];
  gatewayPublicUrl: string;
  budgets: Record<BlotatoBudget, BudgetSpec>;
  maxWaitMs: number;
  /** Per-replica shares while Redis is down (absent: refuse instead). */
  governorFallback: { replicas: number } | undefined;
  timeoutMs: number;
  reconcileSettleMs: number;
  derivedKeyWindowMs: number;
  postPollMs: number;
  visualPollMs: number;
  logLevel: string;
}

export function toBlotatoConfig(e: z.infer<typeof blotatoEnvSchema>): BlotatoConfig {
  const budgets = defaultBudgets(e.BLOTATO_BUDGET_MARGIN);
  for (const [name, override] of Object.entries(e.BLOTATO_BUDGETS) as [
    BlotatoBudget,
    z.infer<typeof budgetOverride>,
  ][]) {
    budgets[name] =
      typeof override === 'number'
        ? { limit: override, intervalMs: 60_000 }
        : {
            limit: override.limit,
            intervalMs: override.intervalMs ?? 60_000,
            ...(override.maxConcurrent === undefined ? {} : { maxConcurrent: override.maxConcurrent }),
          };
  }
  return {
    port: e.BLOTATO_PORT,
    host: e.BLOTATO_HOST,
    apiKey: e.BLOTATO_API_KEY,
    baseUrl: e.BLOTATO_BASE_URL.replace(/\/+$/, ''),
    redisUrl: e.REDIS_URL,
    assertionSecrets: e.CALLER_ASSERTION_SECRET,
    gatewayPublicUrl: e.GATEWAY_PUBLIC_URL,
    budgets,
    maxWaitMs: e.GOVERNOR_MAX_WAIT_MS,
    governorFallback: governorFallback(e),
    timeoutMs: e.BLOTATO_TIMEOUT_MS,
    reconcileSettleMs: e.BLOTATO_RECONCILE_SETTLE_S * 1000,
    derivedKeyWindowMs: e.BLOTATO_DERIVED_KEY_WINDOW_S * 1000,
    postPollMs: e.BLOTATO_POST_POLL_MS,
    visualPollMs: e.BLOTATO_VISUAL_POLL_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** Reads and validates the environment once; a bad value stops the process at start, listed by name. */
export function loadBlotatoConfig(source: NodeJS.ProcessEnv = process.env): BlotatoConfig {
  return toBlotatoConfig(loadConfig(blotatoEnvSchema, source));
}
