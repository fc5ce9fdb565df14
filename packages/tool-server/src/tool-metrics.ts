import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics every tool server exposes; servers may register more on `registry`. */
export function createToolMetrics(server: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ server });
  collectDefaultMetrics({ register: registry });
  const calls = new Counter({
    name: 'switchboard_tool_calls_total',
    help: 'Tool calls by tool and outcome (ok, error code).',
    labelNames: ['tool', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'switchboard_tool_call_duration_seconds',
    help: 'Tool call duration, including upstream time and governor waits.',
    labelNames: ['tool'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120],
    registers: [registry],
  });
  return { registry, calls, duration };
}

export type ToolMetrics = ReturnType<typeof createToolMetrics>;
