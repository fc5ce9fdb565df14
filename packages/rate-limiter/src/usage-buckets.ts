import type { UsageTotals } from './rate-limiter.ts';

/**
 * Usage is counted per subject in hourly buckets, one counter per `<tag>:ok` / `<tag>:refused`, each bucket
 * kept 25 h so the last 24 buckets (a day) are always readable. Both writing and reading are O(1) per request.
 */
export const USAGE_RETENTION_S = 25 * 3600;

export function hourBucket(nowMs: number): number {
  return Math.floor(nowMs / 3_600_000);
}

export function usageField(tag: string, allowed: boolean): string {
  return `${tag}:${allowed ? 'ok' : 'refused'}`;
}

/** Adds one bucket's counters (field → count) into `totals`. */
export function addUsage(totals: Record<string, UsageTotals>, fields: Iterable<[string, number]>): void {
  for (const [field, count] of fields) {
    // Split at the last colon: tags may contain colons themselves.
    const at = field.lastIndexOf(':');
    if (at <= 0) continue;
    const tag = field.slice(0, at);
    const kind = field.slice(at + 1);
    const entry = totals[tag] ?? { calls: 0, refused: 0 };
    if (kind === 'ok') entry.calls += count;
    else if (kind === 'refused') entry.refused += count;
    else continue;
    totals[tag] = entry;
  }
}
