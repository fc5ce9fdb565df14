import { SwitchboardError } from '@switchboard/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Admission } from '../rate-limits/admission.ts';
import { isObject, type JsonRpcId, type JsonRpcRequest, META, MODERN_PROTOCOL_VERSION } from '../upstreams/json-rpc.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import type { CallCounters } from '../usage/call-counters.ts';
import type { AcceptedForms } from './accept.ts';
import { type CallerKey, scopeGrants } from './caller-key.ts';
import type { ClientRequestBridge } from './client-request-bridge.ts';
import type { InFlightCalls } from './in-flight-calls.ts';
import { describeWindow, sendError } from './json-rpc-replies.ts';
import type { LegacySession } from './legacy-sessions.ts';
import { relayToolCall, writeSingle } from './tool-call-relay.ts';
import { toolErrorResultFor } from './tool-error-result.ts';

export interface ToolCallHandlerDeps {
  registry: UpstreamRegistry;
  inFlight: InFlightCalls;
  admission: Admission;
  metrics: GatewayMetrics;
  calls?: CallCounters | undefined;
  bridge: ClientRequestBridge;
  info: { name: string; version: string };
  callTimeoutMs: number;
}

/** A `tools/call` as the POST dispatcher hands it over: parsed, its era and session decided. */
export interface ToolCallInput {
  key: CallerKey;
  id: JsonRpcId;
  params: Record<string, unknown>;
  era: 'legacy' | 'modern';
  session: LegacySession | undefined;
  accept: AcceptedForms;
}

export type ToolCallHandler = (request: FastifyRequest, reply: FastifyReply, input: ToolCallInput) => Promise<void>;

/**
 * The gateway's hot path, in the order a call meets it: the modern era's header check, the catalog lookup,
 * the key's scopes, one limiter decision, then the relay (tool-call-relay.ts) writes the answer itself. A
 * refusal at any step is a tool result with `isError: true` (the model can act on it), not a protocol error.
 */
export function createToolCallHandler(deps: ToolCallHandlerDeps): ToolCallHandler {
  const { registry, inFlight, admission, metrics, calls, bridge, info } = deps;

  return async function handleToolCall(request, reply, input) {
    const { key, id, params, era, session, accept } = input;
    const name = params['name'];
    if (typeof name !== 'string') {
      return sendError(
        reply,
        200,
        id,
        new SwitchboardError('INVALID_PARAMS', 'tools/call needs params.name (a string).'),
      );
    }
    if (era === 'modern') {
      const mismatch = modernHeaderMismatch(request, params, name);
      if (mismatch !== undefined) return reply.code(400).type('application/json').send(mismatch(id));
    }
    const entry = registry.tools.get(name);
    if (entry === undefined) {
      metrics.requests.inc({ method: 'tools/call', era, status: 'unknown_tool' });
      return sendError(reply, 200, id, new SwitchboardError('INVALID_PARAMS', `Unknown tool: ${name}`));
    }
    const upstream = entry.upstream.name;
    if (!scopeGrants(key.scopes, name)) {
      metrics.toolCalls.inc({ upstream, tool: name, outcome: 'denied' });
      const denied = new SwitchboardError(
        'SCOPE_DENIED',
        `The key "${key.name}" does not grant ${name}; ask an admin to add a scope such as "${name}" or "${upstream}_*".`,
        { details: { missing_scope: name } },
      );
      return writeToolError(reply, id, era, accept, toolErrorResultFor(denied, entry), {});
    }
    const admitted = await admission.admit(key, { method: 'tools/call', upstream, tool: name });
    if (!admitted.allowed) {
      metrics.toolCalls.inc({ upstream, tool: name, outcome: 'rate_limited' });
      calls?.record(key.id, upstream, 'rate_limited');
      const r = admitted.refusal!;
      const limited = new SwitchboardError(
        'RATE_LIMITED',
        `Rate limit for ${name}: ${r.limit} per ${describeWindow(r.windowS)} (${r.scope}); retry in ${r.retryAfterS} s.`,
        { retryAfterS: r.retryAfterS, details: { limit: r.limit, window_s: r.windowS, scope: r.scope } },
      );
      return writeToolError(reply, id, era, accept, toolErrorResultFor(limited, entry), admitted.headers);
    }

    reply.hijack();
    const res = reply.raw;
    const started = performance.now();
    // One controller per call, aborted by a client disconnect or (2025 era) by notifications/cancelled.
    const controller = new AbortController();
    const untrack = session === undefined ? undefined : inFlight.track(session.nonce, id, controller);
    res.once('close', () => {
      if (!res.writableFinished) controller.abort('client disconnected');
    });
    try {
      const outcome = await relayToolCall(
        {
          message: { jsonrpc: '2.0', id, method: 'tools/call', params } satisfies JsonRpcRequest,
          era,
          key,
          entry,
          accept,
          headers: admitted.headers,
          signal: controller.signal,
          timeoutMs: entry.upstream.config.timeout_ms ?? deps.callTimeoutMs,
          gatewayInfo: info,
          ...(era === 'modern' ? { heldCalls: bridge } : legacyExtras(session, info, bridge)),
        },
        res,
      );
      metrics.toolCalls.inc({ upstream, tool: name, outcome });
      calls?.record(key.id, upstream, outcome === 'ok' || outcome === 'cancelled' ? 'ok' : 'error');
      metrics.toolCallSeconds.observe({ upstream }, (performance.now() - started) / 1000);
    } finally {
      untrack?.();
    }
  };
}

/**
 * What a 2025-era caller cannot send itself: the per-request envelope a 2026-07-28 upstream needs (built from
 * its session), and, in a session, the bridge that carries an upstream's questions to it on the call's stream.
 */
function legacyExtras(
  session: LegacySession | undefined,
  info: { name: string; version: string },
  bridge: ClientRequestBridge,
) {
  return {
    legacyEnvelope: {
      [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
      [META.clientInfo]: session?.clientInfo ?? info,
      [META.clientCapabilities]: session?.clientCapabilities ?? {},
      [META.logLevel]: 'debug',
    },
    ...(session === undefined
      ? {}
      : { inputBridge: { bridge, session: session.nonce, clientCapabilities: session.clientCapabilities } }),
  };
}

function writeToolError(
  reply: FastifyReply,
  id: JsonRpcId,
  era: 'legacy' | 'modern',
  accept: AcceptedForms,
  result: Record<string, unknown>,
  headers: Record<string, string>,
) {
  if (era === 'modern') result['resultType'] = 'complete';
  reply.hijack();
  writeSingle(reply.raw, { jsonrpc: '2.0', id, result }, accept, headers);
}

/**
 * 2026-07-28 requests mirror method and name in headers (SEP-2243) so intermediaries can route without
 * parsing; a mismatch is refused with HeaderMismatch, and an unsupported version with -32022.
 */
function modernHeaderMismatch(request: FastifyRequest, params: Record<string, unknown>, name: string) {
  const version = request.headers['mcp-protocol-version'];
  const meta = params['_meta'];
  const claimed = isObject(meta) ? meta[META.protocolVersion] : undefined;
  if (claimed === undefined) {
    return (id: JsonRpcId) => ({
      jsonrpc: '2.0',
      id,
      error: {
        code: -32602,
        message: `Invalid params: a ${MODERN_PROTOCOL_VERSION} request needs _meta["${META.protocolVersion}"]`,
      },
    });
  }
  if (claimed !== MODERN_PROTOCOL_VERSION) {
    return (id: JsonRpcId) => ({
      jsonrpc: '2.0',
      id,
      error: {
        code: -32022,
        message: `Unsupported protocol version: ${String(claimed)}`,
        data: { supported: [MODERN_PROTOCOL_VERSION], requested: claimed },
      },
    });
  }
  // SEP-2243: the standard headers are required when the body has the value, and must agree with it.
  const mismatched =
    version !== claimed || request.headers['mcp-method'] !== 'tools/call' || request.headers['mcp-name'] !== name;
  if (!mismatched) return undefined;
  return (id: JsonRpcId) => ({
    jsonrpc: '2.0',
    id,
    error: {
      code: -32020,
      message: 'HeaderMismatch: MCP-Protocol-Version, Mcp-Method and Mcp-Name must be present and agree with the body',
    },
  });
}
