import { request } from 'undici';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';

export interface UpstreamToolView {
  name: string;
  original: string;
  description: string;
  read_only: boolean;
}

export interface UpstreamView {
  name: string;
  url: string;
  transport: string;
  state: string;
  circuit: string;
  last_error: string | null;
  /** The revision negotiated with the upstream; null until it has answered. */
  protocol: string | null;
  tools: UpstreamToolView[];
}

/** The one place the admin API reads the upstream registry. */
export function readUpstreams(registry: UpstreamRegistry): UpstreamView[] {
  const tools = [...registry.tools.entries()];
  return registry.upstreams.map((u) => {
    return {
      name: u.name,
      // A stdio upstream has no URL: its command stands in (arguments may hold paths, never secrets: those are env).
      url: u.config.transport === 'stdio' ? `stdio:${u.config.command}` : u.config.url,
      transport: u.config.transport,
      state: u.state,
      circuit: u.breaker.state,
      last_error: u.lastError ?? null,
      protocol: u.server?.protocolVersion ?? null,
      tools: tools
        .filter(([, entry]) => entry.upstream === u)
        .map(([name, entry]) => {
          const description = entry.definition['description'];
          return {
            name,
            original: entry.original,
            description: typeof description === 'string' ? description : '',
            read_only: isReadOnly(entry.definition),
          };
        }),
    };
  });
}

/** The tool's own claim (`annotations.readOnlyHint`, MCP 2025-03-26 and later) that calling it changes nothing. */
export function isReadOnly(definition: Record<string, unknown>): boolean {
  const annotations = definition['annotations'];
  return (
    typeof annotations === 'object' &&
    annotations !== null &&
    (annotations as Record<string, unknown>)['readOnlyHint'] === true
  );
}

/**
 * What a tool server says about itself on `/readyz` (our kit serves it beside `/mcp`: whether its upstream
 * account is configured, governor budgets). Other MCP servers have none; then this is null.
 */
export async function readUpstreamReadiness(url: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await request(new URL('/readyz', new URL(url).origin), { headersTimeout: 2000, bodyTimeout: 2000 });
    const text = await res.body.text();
    // 503 is a report too (`ready: false`); anything else means the server has no /readyz of ours.
    if (
      (res.statusCode !== 200 && res.statusCode !== 503) ||
      !String(res.headers['content-type'] ?? '').includes('json')
    )
      return null;
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
