import { readFileSync } from 'node:fs';
import { SwitchboardError } from '@switchboard/errors';
import type { Cluster, Redis, Result } from 'ioredis';
import { parseUsageHours, planConsume, toDecision } from './consume-plan.ts';
import type { RateLimiter, UsageTotals } from './rate-limiter.ts';
import { addUsage, hourBucket, USAGE_RETENTION_S } from './usage-buckets.ts';

const consumeLua = readFileSync(new URL('../lua/consume.lua', import.meta.url), 'utf8');
const COMMAND = 'switchboardRateLimitConsume';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    switchboardRateLimitConsume(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number[], Context>;
  }
}

export interface RedisRateLimiterOptions {
  /** Prepended to every key; default `sb:rl:`. */
  prefix?: string;
  /**
   * TEST SEAM ONLY. Replaces Redis `TIME` with this clock (ms) so a test can drive the Redis limiter and the
   * in-memory one through the same fake timeline (contract and property tests). Production never sets it:
   * replicas with skewed clocks agree only because Redis reads the time.
   */
  now?: () => number;
}

/**
 * Layered GCRA in Redis: one EVALSHA per request (`lua/consume.lua`) reads Redis time, decides for every
 * layer at once and counts usage. Keys: `<prefix>{<subject>}:gcra:<layer id>` and
 * `<prefix>{<subject>}:usage:<hour>`; the `{subject}` hash tag keeps one request in one Cluster slot.
 */
export function createRedisRateLimiter(redis: Redis | Cluster, options: RedisRateLimiterOptions = {}): RateLimiter {
  const prefix = options.prefix ?? 'sb:rl:';
  if (prefix.includes('{') || prefix.includes('}')) {
    // A brace in the prefix would become the hash tag and put every subject in one Cluster slot.
    throw new SwitchboardError('INTERNAL', 'The rate limiter key prefix must not contain braces.');
  }
  redis.defineCommand(COMMAND, { lua: consumeLua });
  const clock = options.now;
  // Redis expires keys in real time; a fake clock may run slower than that, so injected time keeps keys a
  // while longer (stale state is harmless: a TAT in the past means "rested").
  const ttlSlackMs = clock === undefined ? 0 : 600_000;
  const base = (subject: string) => `${prefix}{${subject}}:`;

  return {
    async consume(request) {
      const plan = planConsume(request);
      const root = base(plan.subject);
      const keys = plan.layers.map((layer) => `${root}gcra:${layer.id}`);
      // The usage bucket is named by this process's hour so that the key can be declared in KEYS (Cluster);
      // a replica's clock skew of s seconds files at most s seconds of calls under the neighbouring hour.
      // Limit decisions never use this clock.
      if (plan.tag !== undefined) keys.push(`${root}usage:${hourBucket(clock?.() ?? Date.now())}`);
      const args: (string | number)[] = [
        plan.layers.length,
        plan.tag ?? '',
        USAGE_RETENTION_S,
        clock === undefined ? '' : Math.floor(clock() * 1000),
        ttlSlackMs,
      ];
      for (const layer of plan.layers) args.push(layer.intervalUs, layer.cost, layer.burst);
      const reply = await redis.switchboardRateLimitConsume(keys.length, ...keys, ...args);
      const remaining: number[] = [];
      const resetUs: number[] = [];
      for (let i = 3; i < reply.length; i += 2) {
        remaining.push(reply[i]!);
        resetUs.push(reply[i + 1]!);
      }
      return toDecision(plan, {
        allowed: reply[0] === 1,
        waitUs: reply[1]!,
        refusedIndex: reply[2]! - 1,
        remaining,
        resetUs,
      });
    },

    async usage(subject, { hours }) {
      const count = parseUsageHours(hours);
      const root = base(planConsume({ subject, layers: [] }).subject);
      const current = hourBucket(clock?.() ?? Date.now());
      const pipeline = redis.pipeline();
      for (let h = current - count + 1; h <= current; h++) pipeline.hgetall(`${root}usage:${h}`);
      const replies = (await pipeline.exec()) ?? [];
      const totals: Record<string, UsageTotals> = {};
      for (const [error, hash] of replies) {
        if (error) throw error;
        const fields = Object.entries(hash as Record<string, string>).map(([k, v]): [string, number] => [k, Number(v)]);
        addUsage(totals, fields);
      }
      return totals;
    },

    async close() {
      // The client belongs to whoever created it (it is usually shared with other stores).
    },
  };
}
