import { SwitchboardError } from '@switchboard/errors';
import { z } from 'zod';
import { type ConsumePlan, planConsume } from './consume-plan.ts';
import { createMemoryRateLimiter } from './memory-rate-limiter.ts';
import type { ConsumeRequest, RateDecision, RateLimiter, UsageTotals } from './rate-limiter.ts';

/**
 * - `redis`: decisions come from the shared limiter (all replicas agree).
 * - `degraded`: a shared limiter is configured but did not answer in time; `failMode` answers instead
 *   (per-replica memory at limit ÷ replicas, or refusal), and a probe checks Redis about once per interval.
 * - `memory`: no shared limiter is configured (single process, no `REDIS_URL`).
 */
export type RateLimiterState = 'redis' | 'degraded' | 'memory';

export interface RateLimiterStateChange {
  from: RateLimiterState;
  to: RateLimiterState;
  /** Why, as a sentence for the log (an error message never carries credentials here). */
  reason: string;
}

export interface ResilientRateLimiterOptions {
  /** The shared (Redis) limiter; omitted = memory only. */
  primary?: RateLimiter;
  /** Gateway replicas sharing `primary`; while it is away each replica admits limit ÷ replicas (rounded up). */
  replicas: number;
  /** Longest wait for `primary` per call, ms. Default 250: a loaded box answers a healthy EVALSHA well within. */
  timeoutMs?: number;
  /** While degraded, at most one request per interval tries `primary` (ms). Default 1000. */
  probeIntervalMs?: number;
  /** `fallback` (default) keeps serving from memory; `closed` refuses until Redis is back. */
  failMode?: 'fallback' | 'closed';
  onStateChange?: (change: RateLimiterStateChange) => void;
  /** Clock in ms for the fallback limiter and probe timing; defaults to `Date.now`. */
  now?: () => number;
}

export interface ResilientRateLimiter extends RateLimiter {
  readonly state: RateLimiterState;
}

const optionsSchema = z.object({
  replicas: z.number().int().min(1),
  timeoutMs: z.number().positive().default(250),
  probeIntervalMs: z.number().positive().default(1000),
  failMode: z.enum(['fallback', 'closed']).default('fallback'),
});

/**
 * Wraps the Redis limiter so a Redis outage neither crashes nor hangs a request nor lifts the limits: every
 * call to `primary` is bounded by `timeoutMs`; on failure the request is answered by `failMode` at once and
 * later requests skip Redis until a probe (one real request, at most once per `probeIntervalMs`) succeeds.
 * A call that timed out may still land in Redis afterwards; it then counts twice, which errs on the safe side.
 */
export function createResilientRateLimiter(options: ResilientRateLimiterOptions): ResilientRateLimiter {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new SwitchboardError('INTERNAL', `Invalid resilient rate limiter options: ${z.prettifyError(parsed.error)}`);
  }
  const { replicas, timeoutMs, probeIntervalMs, failMode } = parsed.data;
  const { primary, onStateChange } = options;
  const now = options.now ?? Date.now;
  const fallback = createMemoryRateLimiter({ now });
  let state: RateLimiterState = primary === undefined ? 'memory' : 'redis';
  let nextProbeAt = 0;
  let probing = false;

  const moveTo = (to: RateLimiterState, reason: string) => {
    if (state === to) return;
    const change = { from: state, to, reason };
    state = to;
    try {
      onStateChange?.(change);
    } catch {
      // A failing log hook must not turn a limiter decision into an error.
    }
  };

  const ask = <T>(call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
      // Handlers stay attached after the timeout, so a late failure is never an unhandled rejection.
      call().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  const withoutPrimary = (request: ConsumeRequest, plan: ConsumePlan): Promise<RateDecision> =>
    failMode === 'closed' && primary !== undefined
      ? Promise.resolve(refuseUnavailable(plan, Math.max(1, Math.ceil(probeIntervalMs / 1000))))
      : fallback.consume(perReplica(request, replicas));

  return {
    get state() {
      return state;
    },

    async consume(request) {
      // Invalid input is the caller's bug: it throws here instead of passing for an outage.
      const plan = planConsume(request);
      if (primary === undefined) return withoutPrimary(request, plan);
      if (state === 'redis') {
        try {
          return await ask(() => primary.consume(request));
        } catch (error) {
          if (state === 'redis') {
            nextProbeAt = now() + probeIntervalMs;
            moveTo('degraded', `Redis rate limiter unavailable (${describe(error)}); failMode ${failMode}`);
          }
          return withoutPrimary(request, plan);
        }
      }
      if (probing || now() < nextProbeAt) return withoutPrimary(request, plan);
      probing = true;
      try {
        const decision = await ask(() => primary.consume(request));
        moveTo('redis', 'Redis rate limiter answered again');
        return decision;
      } catch {
        return withoutPrimary(request, plan);
      } finally {
        nextProbeAt = now() + probeIntervalMs;
        probing = false;
      }
    },

    async usage(subject, usageOptions) {
      // Requests answered from memory during an outage were counted only here, so add them.
      const local = await fallback.usage(subject, usageOptions);
      if (primary === undefined) return local;
      let shared: Record<string, UsageTotals>;
      try {
        shared = await ask(() => primary.usage(subject, usageOptions));
      } catch (error) {
        throw new SwitchboardError(
          'STORE_UNAVAILABLE',
          'Usage cannot be read while Redis is unreachable; retry shortly.',
          {
            retryAfterS: 1,
            cause: error,
          },
        );
      }
      for (const [tag, totals] of Object.entries(local)) {
        const entry = shared[tag] ?? { calls: 0, refused: 0 };
        shared[tag] = { calls: entry.calls + totals.calls, refused: entry.refused + totals.refused };
      }
      return shared;
    },

    async close() {
      await fallback.close();
      await primary?.close();
    },
  };
}

/**
 * Each replica's share of every layer. Burst is kept at least the request's own cost (when the full policy
 * admits that cost at all), so an expensive tool stays usable during an outage: replicas × cost at most.
 */
function perReplica(request: ConsumeRequest, replicas: number): ConsumeRequest {
  if (replicas === 1) return request;
  return {
    ...request,
    layers: request.layers.map((layer) => {
      const burst = layer.policy.burst ?? layer.policy.limit;
      const cost = layer.cost ?? 1;
      return {
        ...layer,
        policy: {
          limit: Math.ceil(layer.policy.limit / replicas),
          windowS: layer.policy.windowS,
          burst: Math.max(Math.ceil(burst / replicas), Math.min(cost, burst)),
        },
      };
    }),
  };
}

function refuseUnavailable(plan: ConsumePlan, retryAfterS: number): RateDecision {
  return {
    allowed: false,
    retryAfterS,
    layers: plan.layers.map((layer) => ({
      id: layer.id,
      limit: layer.limit,
      windowS: layer.windowS,
      remaining: 0,
      resetS: retryAfterS,
    })),
    reason: 'unavailable',
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
