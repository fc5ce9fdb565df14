import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Governor, GovernorEvent } from './governor.ts';

/**
 * Prometheus metrics for a governor: queue depth and pauses (sampled from `snapshot()` at scrape time),
 * waits, refusals and upstream 429s (from events). Create it before the governor and pass `onEvent`.
 */
export function createGovernorMetrics(registry: Registry) {
  let governor: Governor | undefined;
  let upstream = '';
  const waits = new Histogram({
    name: 'switchboard_governor_wait_seconds',
    help: 'Time a call waited in the upstream governor before it started.',
    labelNames: ['upstream', 'budget'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'switchboard_governor_refusals_total',
    help: 'Calls refused with RATE_LIMITED by the governor (busy, paused, wait exceeded).',
    labelNames: ['upstream', 'budget', 'reason'] as const,
    registers: [registry],
  });
  const upstream429s = new Counter({
    name: 'switchboard_governor_upstream_429_total',
    help: 'Upstream 429 answers that paused a budget (this replica).',
    labelNames: ['upstream', 'budget'] as const,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'switchboard_governor_store_errors_total',
    help: 'Failures talking to the shared governor store (Redis).',
    labelNames: ['upstream', 'budget'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'switchboard_governor_queue_depth',
    help: 'Calls waiting in the governor on this replica.',
    labelNames: ['upstream', 'budget'] as const,
    registers: [registry],
    collect() {
      for (const [budget, s] of Object.entries(governor?.snapshot() ?? {})) this.set({ upstream, budget }, s.queued);
    },
  });
  new Gauge({
    name: 'switchboard_governor_running',
    help: 'Calls running inside a budget on this replica.',
    labelNames: ['upstream', 'budget'] as const,
    registers: [registry],
    collect() {
      for (const [budget, s] of Object.entries(governor?.snapshot() ?? {})) this.set({ upstream, budget }, s.running);
    },
  });
  new Gauge({
    name: 'switchboard_governor_paused_seconds',
    help: 'Seconds left in a pause caused by an upstream 429 (0 when not paused).',
    labelNames: ['upstream', 'budget'] as const,
    registers: [registry],
    collect() {
      const now = Date.now();
      for (const [budget, s] of Object.entries(governor?.snapshot() ?? {})) {
        this.set({ upstream, budget }, s.pausedUntil === null ? 0 : Math.max(0, (s.pausedUntil - now) / 1000));
      }
    },
  });

  return {
    onEvent(event: GovernorEvent): void {
      upstream = event.upstream;
      const labels = { upstream: event.upstream, budget: event.budget };
      if (event.type === 'started') waits.observe(labels, event.waitMs / 1000);
      else if (event.type === 'refused') refusals.inc({ ...labels, reason: event.reason });
      else if (event.type === 'paused' && event.source === 'local') upstream429s.inc(labels);
      else if (event.type === 'store_error') storeErrors.inc(labels);
    },
    /** Samples this governor's snapshot on every scrape. */
    observe(target: Governor, upstreamName: string): void {
      governor = target;
      upstream = upstreamName;
    },
  };
}
