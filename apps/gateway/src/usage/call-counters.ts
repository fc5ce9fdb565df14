import type { Redis } from 'ioredis';

/** How a `tools/call` ended, as the console charts it. */
export type CountedOutcome = 'ok' | 'error' | 'rate_limited';

export type UsageWindow = 'hour' | 'day';

export interface OutcomeSeries {
  ok: number[];
  error: number[];
  rate_limited: number[];
}

export interface UsageSeries {
  window: UsageWindow;
  /** Width of one bucket: 60 s over the last hour, 3600 s over the last day. */
  bucket_s: number;
  /** Start of the first (oldest) bucket, epoch seconds; the last bucket is the current one. */
  start_s: number;
  keys: Record<string, OutcomeSeries>;
  upstreams: Record<string, OutcomeSeries>;
}

/**
 * Calls, errors and rate-limit refusals per key and per upstream, in minute buckets (kept 1 h) and hour
 * buckets (kept 25 h). `record` is fire-and-forget and costs no I/O: counts are summed in memory and written
 * with one pipeline at most once per `flushMs` (default 1 s), so the Redis round trip of a call is its limiter
 * script alone. A Redis failure loses that second's counts rather than failing or slowing a call; a replica
 * that stops without `close` loses at most its last second.
 */
export interface CallCounters {
  record(keyId: string, upstream: string, outcome: CountedOutcome): void;
  /** Reads the series; this replica's pending counts are written first, so they are included. */
  series(window: UsageWindow): Promise<UsageSeries>;
  /** Writes pending counts now (also on a timer and on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

const WINDOWS: Record<UsageWindow, { bucketS: number; count: number; ttlS: number }> = {
  hour: { bucketS: 60, count: 60, ttlS: 3720 },
  day: { bucketS: 3600, count: 24, ttlS: 25 * 3600 },
};
const OUTCOMES: readonly CountedOutcome[] = ['ok', 'error', 'rate_limited'];

/** Hash fields: `k|<key id>|<outcome>` and `u|<upstream>|<outcome>` (ids and names never contain `|`). */
function fields(keyId: string, upstream: string, outcome: CountedOutcome): [string, string] {
  return [`k|${keyId}|${outcome}`, `u|${upstream}|${outcome}`];
}

function emptySeries(count: number): OutcomeSeries {
  return { ok: new Array(count).fill(0), error: new Array(count).fill(0), rate_limited: new Array(count).fill(0) };
}

/** Folds one bucket's fields into the series at position `index`. */
function addBucket(series: UsageSeries, count: number, index: number, bucket: Iterable<[string, number]>): void {
  for (const [field, value] of bucket) {
    const [kind, name, outcome] = field.split('|');
    if (name === undefined || !OUTCOMES.includes(outcome as CountedOutcome)) continue;
    const table = kind === 'k' ? series.keys : kind === 'u' ? series.upstreams : undefined;
    if (table === undefined) continue;
    const entry = table[name] ?? emptySeries(count);
    entry[outcome as CountedOutcome][index] = value;
    table[name] = entry;
  }
}

function bucketsOf(window: UsageWindow, nowMs: number): { ids: number[]; start_s: number; bucketS: number } {
  const { bucketS, count } = WINDOWS[window];
  const current = Math.floor(nowMs / 1000 / bucketS);
  const ids = Array.from({ length: count }, (_, i) => current - count + 1 + i);
  return { ids, start_s: ids[0]! * bucketS, bucketS };
}

export function createCallCounters(options: {
  redis?: Redis | undefined;
  prefix?: string | undefined;
  now?: () => number;
  onError?: (error: unknown) => void;
  /** Longest a count waits in memory before it is written to Redis; default 1000 ms. */
  flushMs?: number;
}): CallCounters {
  const now = options.now ?? Date.now;
  return options.redis === undefined
    ? memoryCallCounters(now)
    : redisCallCounters(options.redis, options.prefix ?? 'sb:', now, options.onError, options.flushMs ?? 1000);
}

/**
 * Redis: one hash per bucket. All buckets share the `{usage}` hash tag, so one pipeline stays in one Cluster
 * slot; the volume (a few fields per second and replica) is far below what one slot serves.
 */
function redisCallCounters(
  redis: Redis,
  prefix: string,
  now: () => number,
  onError: ((error: unknown) => void) | undefined,
  flushMs: number,
): CallCounters {
  const key = (window: UsageWindow, bucket: number) => `${prefix}{usage}:${window === 'hour' ? 'm' : 'h'}:${bucket}`;
  /** Bucket key → its TTL and the increments not written yet. */
  let pending = new Map<string, { ttlS: number; counts: Map<string, number> }>();
  let timer: NodeJS.Timeout | undefined;
  let lastErrorAt = 0;
  const add = (bucketKey: string, ttlS: number, field: string) => {
    let bucket = pending.get(bucketKey);
    if (bucket === undefined) {
      bucket = { ttlS, counts: new Map() };
      pending.set(bucketKey, bucket);
    }
    bucket.counts.set(field, (bucket.counts.get(field) ?? 0) + 1);
  };
  const flush = async () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const pipeline = redis.pipeline();
    for (const [bucketKey, { ttlS, counts }] of batch) {
      for (const [field, n] of counts) pipeline.hincrby(bucketKey, field, n);
      pipeline.expire(bucketKey, ttlS);
    }
    await pipeline.exec().catch((error: unknown) => {
      // At most one report a minute: a Redis outage must not flood the log.
      const at = now();
      if (at - lastErrorAt > 60_000) {
        lastErrorAt = at;
        onError?.(error);
      }
    });
  };
  return {
    record(keyId, upstream, outcome) {
      const at = now();
      const [kf, uf] = fields(keyId, upstream, outcome);
      for (const window of ['hour', 'day'] as const) {
        const { bucketS, ttlS } = WINDOWS[window];
        const k = key(window, Math.floor(at / 1000 / bucketS));
        add(k, ttlS, kf);
        add(k, ttlS, uf);
      }
      if (timer === undefined) {
        timer = setTimeout(() => void flush(), flushMs);
        timer.unref();
      }
    },
    flush,
    close: flush,
    async series(window) {
      await flush();
      const { ids, start_s, bucketS } = bucketsOf(window, now());
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(key(window, id));
      const replies = (await pipeline.exec()) ?? [];
      const series: UsageSeries = { window, bucket_s: bucketS, start_s, keys: {}, upstreams: {} };
      replies.forEach(([error, value], index) => {
        if (error !== null) throw error;
        const hash = (value ?? {}) as Record<string, string>;
        addBucket(
          series,
          ids.length,
          index,
          Object.entries(hash).map(([f, v]) => [f, Number(v)]),
        );
      });
      return series;
    },
  };
}

/**
 * The single-process twin: the same buckets in Maps. Buckets past their window are dropped whenever a new
 * bucket opens, so memory is bounded by (keys + upstreams) × 3 outcomes × 85 buckets.
 */
function memoryCallCounters(now: () => number): CallCounters {
  const buckets: Record<UsageWindow, Map<number, Map<string, number>>> = { hour: new Map(), day: new Map() };
  return {
    flush: async () => {},
    close: async () => {},
    record(keyId, upstream, outcome) {
      const at = now();
      for (const window of ['hour', 'day'] as const) {
        const { bucketS, count } = WINDOWS[window];
        const id = Math.floor(at / 1000 / bucketS);
        let bucket = buckets[window].get(id);
        if (bucket === undefined) {
          bucket = new Map();
          buckets[window].set(id, bucket);
          for (const old of buckets[window].keys()) if (old <= id - count) buckets[window].delete(old);
        }
        for (const field of fields(keyId, upstream, outcome)) bucket.set(field, (bucket.get(field) ?? 0) + 1);
      }
    },
    async series(window) {
      const { ids, start_s, bucketS } = bucketsOf(window, now());
      const series: UsageSeries = { window, bucket_s: bucketS, start_s, keys: {}, upstreams: {} };
      ids.forEach((id, index) => {
        const bucket = buckets[window].get(id);
        if (bucket !== undefined) addBucket(series, ids.length, index, bucket);
      });
      return series;
    },
  };
}
