import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics; label values are bounded (methods, catalog names, outcome codes). */
export function createGatewayMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'switchboard_mcp_requests_total',
      help: 'MCP requests by JSON-RPC method, protocol era and HTTP status.',
      labelNames: ['method', 'era', 'status'] as const,
      registers: [registry],
    }),
    toolCalls: new Counter({
      name: 'switchboard_tool_calls_total',
      help: 'Relayed tools/call by upstream, tool and outcome (ok, tool_error, error, cancelled, rate_limited, denied).',
      labelNames: ['upstream', 'tool', 'outcome'] as const,
      registers: [registry],
    }),
    toolCallSeconds: new Histogram({
      name: 'switchboard_tool_call_duration_seconds',
      help: 'tools/call latency through the gateway, upstream time included.',
      labelNames: ['upstream'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120, 300],
      registers: [registry],
    }),
    limiterDecisions: new Counter({
      name: 'switchboard_rate_limit_decisions_total',
      help: 'Per-key limiter decisions.',
      labelNames: ['decision'] as const,
      registers: [registry],
    }),
    upstreamUp: new Gauge({
      name: 'switchboard_upstream_up',
      help: '1 when the upstream answered its last request, 0 when it is down.',
      labelNames: ['upstream'] as const,
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
