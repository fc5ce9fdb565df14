import { parseUsageHours, planConsume, toDecision } from './consume-plan.ts';
import { evaluateLayers } from './gcra.ts';
import type { RateLimiter, UsageTotals } from './rate-limiter.ts';
import { addUsage, hourBucket, USAGE_RETENTION_S, usageField } from './usage-buckets.ts';

export interface MemoryRateLimiterOptions {
  /** Clock in ms; defaults to `Date.now`. Tests inject a fake one. */
  now?: () => number;
}

const RETAINED_HOURS = Math.ceil(USAGE_RETENTION_S / 3600);

/**
 * The single-process limiter (no `REDIS_URL`) and the fallback of the resilient one: the same GCRA
 * (`gcra.ts`) and usage buckets as the Redis script, on Maps. Each call runs synchronously, which makes it
 * as atomic as the script. Rested layers and old buckets are swept in amortised O(1).
 */
export function createMemoryRateLimiter(options: MemoryRateLimiterOptions = {}): RateLimiter {
  const now = options.now ?? Date.now;
  /** `<subject>\0<layer id>` → TAT, µs. A TAT at or before now means "rested", the same as absent. */
  const tats = new Map<string, number>();
  /** subject → hour → `<tag>:ok|refused` → count. */
  const usage = new Map<string, Map<number, Map<string, number>>>();
  let callsSinceSweep = 0;

  const sweep = (nowUs: number, hour: number) => {
    for (const [key, tat] of tats) if (tat <= nowUs) tats.delete(key);
    for (const [subject, hours] of usage) {
      for (const h of hours.keys()) if (h <= hour - RETAINED_HOURS) hours.delete(h);
      if (hours.size === 0) usage.delete(subject);
    }
  };

  const count = (subject: string, hour: number, field: string) => {
    const hours = usage.get(subject) ?? new Map<number, Map<string, number>>();
    const fields = hours.get(hour) ?? new Map<string, number>();
    fields.set(field, (fields.get(field) ?? 0) + 1);
    hours.set(hour, fields);
    usage.set(subject, hours);
  };

  return {
    async consume(request) {
      const plan = planConsume(request);
      const nowMs = now();
      const nowUs = Math.floor(nowMs * 1000);
      const keys = plan.layers.map((layer) => `${plan.subject}\0${layer.id}`);
      const outcome = evaluateLayers(
        nowUs,
        plan.layers,
        keys.map((key) => tats.get(key)),
      );
      // Refused: the TATs are the stored ones (or clamped after a policy change; see gcra.ts), so storing
      // them is harmless and keeps a clamp in place, as consume.lua does.
      for (const [i, key] of keys.entries()) tats.set(key, outcome.tats[i]!);
      const hour = hourBucket(nowMs);
      if (plan.tag !== undefined) count(plan.subject, hour, usageField(plan.tag, outcome.allowed));
      // Sweeping once per (size) calls keeps the cost per call constant however many keys there are.
      if (++callsSinceSweep > tats.size + usage.size + 1024) {
        callsSinceSweep = 0;
        sweep(nowUs, hour);
      }
      return toDecision(plan, outcome);
    },

    async usage(subject, { hours }) {
      const span = parseUsageHours(hours);
      const current = hourBucket(now());
      const totals: Record<string, UsageTotals> = {};
      const buckets = usage.get(subject);
      for (let h = current - span + 1; h <= current; h++) {
        const fields = buckets?.get(h);
        if (fields !== undefined) addUsage(totals, fields);
      }
      return totals;
    },

    async close() {
      tats.clear();
      usage.clear();
    },
  };
}
