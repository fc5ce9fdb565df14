import { createMcpHandler, legacyStatelessFallback } from '@modelcontextprotocol/server';
import type { FastifyInstance } from 'fastify';
import type { EventHub } from '../events/event-hub.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Admission } from '../rate-limits/admission.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import type { CallCounters } from '../usage/call-counters.ts';
import { bearerAuth } from './bearer-auth.ts';
import type { CallerKey, McpAuthenticator } from './caller-key.ts';
import { ClientRequestBridge } from './client-request-bridge.ts';
import { dnsRebindingGuard } from './dns-rebinding-guard.ts';
import type { InFlightCalls } from './in-flight-calls.ts';
import type { LegacySessions } from './legacy-sessions.ts';
import { LegacyStreams } from './legacy-streams.ts';
import { mcpBodyParser } from './mcp-body-parser.ts';
import { mcpPost } from './mcp-post.ts';
import { mcpSessionStreams } from './mcp-session-streams.ts';
import { buildProtocolServer } from './protocol-server.ts';
import type { FetchHandler } from './sdk-bridge.ts';
import { SdkEventBus } from './sdk-event-bus.ts';
import { createToolCallHandler } from './tool-call-handler.ts';

export interface McpRoutesOptions {
  registry: UpstreamRegistry;
  sessions: LegacySessions;
  inFlight: InFlightCalls;
  hub: EventHub;
  authenticator: McpAuthenticator;
  admission: Admission;
  metrics: GatewayMetrics;
  /** Per-key and per-upstream call counts for the admin console (coalesced in memory, written once a second). */
  calls?: CallCounters | undefined;
  info: { name: string; version: string };
  instructions: string;
  callTimeoutMs: number;
  bodyLimit: number;
  /** Hostnames accepted in `Host` and `Origin` (DNS-rebinding protection). */
  allowedHosts: ReadonlySet<string>;
  /** `WWW-Authenticate` value for a 401: points at the OAuth metadata; `credentialsSent` false = none were sent. */
  challenge: (reason: string, credentialsSent: boolean) => string;
}

/**
 * The public MCP endpoint: `POST|GET|DELETE /mcp`, one URL for both protocol eras. One plugin per concern,
 * in the order a request meets them:
 *
 * 1. mcp-body-parser.ts: JSON bodies, parsed once, and JSON-RPC error bodies for every failure;
 * 2. dns-rebinding-guard.ts: Host and Origin;
 * 3. bearer-auth.ts: the caller's key, from an API key or an OAuth access token;
 * 4. mcp-post.ts: POST dispatch; `tools/call` (either era) goes to tool-call-handler.ts, the lean relay with
 *    no SDK objects per call; the 2025-era `initialize` is answered by legacy-handshake.ts; every other method
 *    goes to the SDK: modern (2026-07-28) requests to a strict modern handler, legacy ones to the SDK's
 *    stateless legacy leg;
 * 5. mcp-session-streams.ts: GET and DELETE for 2025-era sessions.
 *
 * Switchboard's sealed session ids, GET stream and DELETE wrap the SDK's legacy leg (legacy-sessions.ts,
 * legacy-streams.ts), so no replica needs to have seen a session before.
 */
export async function mcpRoutes(app: FastifyInstance, options: McpRoutesOptions): Promise<void> {
  const { registry, sessions, inFlight, admission, metrics } = options;
  const sdkBus = new SdkEventBus(registry, options.hub);
  const factory = ({ authInfo }: { authInfo?: { extra?: Record<string, unknown> } }) =>
    buildProtocolServer(
      { registry, info: options.info, instructions: options.instructions },
      authInfo?.extra?.['key'] as CallerKey,
    );
  const modern = createMcpHandler(factory, { legacy: 'reject', bus: sdkBus, keepAliveMs: 15_000 });
  const legacyLeg = legacyStatelessFallback(factory);
  const legacy: FetchHandler = { fetch: (request, opts) => legacyLeg(request, opts as never) };
  const streams = new LegacyStreams(registry, options.hub);
  const bridge = new ClientRequestBridge(options.hub);
  // preClose: open streams (2025 GET streams, 2026 listen streams) would otherwise hold the server open;
  // calls in flight still finish, because the server stops accepting before it waits for them.
  app.addHook('preClose', async () => {
    streams.close();
    sdkBus.close();
    await modern.close();
  });

  await app.register(mcpBodyParser, { bodyLimit: options.bodyLimit });
  await app.register(dnsRebindingGuard, { allowedHosts: options.allowedHosts });
  await app.register(bearerAuth, { authenticator: options.authenticator, challenge: options.challenge });
  const callTool = createToolCallHandler({
    registry,
    inFlight,
    admission,
    metrics,
    calls: options.calls,
    bridge,
    info: options.info,
    callTimeoutMs: options.callTimeoutMs,
  });
  await app.register(mcpPost, {
    sessions,
    inFlight,
    admission,
    metrics,
    bridge,
    sdk: { modern, legacy },
    callTool,
    server: { info: options.info, instructions: options.instructions },
  });
  await app.register(mcpSessionStreams, { sessions, streams });
}
