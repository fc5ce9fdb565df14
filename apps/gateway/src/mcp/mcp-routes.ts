import { createMcpHandler, legacyStatelessFallback } from '@modelcontextprotocol/server';
import { asSwitchboardError, SwitchboardError, toJsonRpcError } from '@switchboard/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EventHub } from '../events/event-hub.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Admission, AdmissionDecision } from '../rate-limits/admission.ts';
import {
  isObject,
  isResponse,
  type JsonRpcId,
  type JsonRpcRequest,
  LEGACY_PROTOCOL_VERSIONS,
  META,
  MODERN_PROTOCOL_VERSION,
} from '../upstreams/json-rpc.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import type { CallCounters } from '../usage/call-counters.ts';
import { type AcceptedForms, acceptedForms } from './accept.ts';
import { type CallerKey, type McpAuthenticator, scopeGrants } from './caller-key.ts';
import { ClientRequestBridge } from './client-request-bridge.ts';
import type { InFlightCalls } from './in-flight-calls.ts';
import type { LegacySession, LegacySessions } from './legacy-sessions.ts';
import { LegacyStreams } from './legacy-streams.ts';
import { buildProtocolServer } from './protocol-server.ts';
import { type FetchHandler, serveWithSdk } from './sdk-bridge.ts';
import { SdkEventBus } from './sdk-event-bus.ts';
import { relayToolCall, writeSingle } from './tool-call-relay.ts';
import { toolErrorResultFor } from './tool-error-result.ts';

export interface McpRoutesOptions {
  registry: UpstreamRegistry;
  sessions: LegacySessions;
  inFlight: InFlightCalls;
  hub: EventHub;
  authenticator: McpAuthenticator;
  admission: Admission;
  metrics: GatewayMetrics;
  /** Per-key and per-upstream call counts for the admin console (one pipelined write per call, not awaited). */
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

declare module 'fastify' {
  interface FastifyRequest {
    callerKey: CallerKey | null;
  }
}

class JsonParseError extends Error {
  readonly statusCode = 400;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const DEFAULT_LEGACY_VERSION = LEGACY_PROTOCOL_VERSIONS[0];

/**
 * The public MCP endpoint: `POST|GET|DELETE /mcp`, one URL for both protocol eras.
 *
 * - `tools/call` (either era) takes the lean relay (tool-call-relay.ts): no SDK objects per call.
 * - Everything else goes to the SDK: modern (2026-07-28) requests to a strict modern handler, legacy ones to
 *   the SDK's stateless legacy leg, with Switchboard's sealed session ids, GET stream and DELETE around it
 *   (legacy-sessions.ts, legacy-streams.ts) so that no replica needs to have seen a session before.
 */
export async function mcpRoutes(app: FastifyInstance, options: McpRoutesOptions): Promise<void> {
  const { registry, sessions, inFlight, authenticator, admission, metrics } = options;
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

  app.decorateRequest('callerKey', null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: options.bodyLimit },
    (_req, body, done) => {
      try {
        const text = utf8.decode(body as Buffer);
        done(null, text.trim() === '' ? undefined : JSON.parse(text));
      } catch {
        done(new JsonParseError('Parse error: the body is not valid UTF-8 JSON'), undefined);
      }
    },
  );

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const failure =
      error instanceof JsonParseError
        ? new SwitchboardError('PARSE_ERROR', error.message)
        : error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? new SwitchboardError('PAYLOAD_TOO_LARGE', `Request body exceeds ${options.bodyLimit} bytes.`)
          : error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? new SwitchboardError('UNSUPPORTED_MEDIA_TYPE', 'POST /mcp takes Content-Type: application/json.')
            : asSwitchboardError(error);
    if (failure.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error on /mcp');
    return reply.code(failure.status).type('application/json').send(toJsonRpcError(failure));
  });

  // DNS-rebinding protection: a browser page can point its own hostname at this server, but it cannot
  // change the Host and Origin headers its requests carry.
  app.addHook('onRequest', async (request, reply) => {
    const host = hostnameOf(request.headers.host);
    const origin = request.headers.origin;
    const originHost = origin === undefined ? undefined : hostnameOf(safeUrlHost(origin));
    if (
      (host !== undefined && !options.allowedHosts.has(host)) ||
      (origin !== undefined && (originHost === undefined || !options.allowedHosts.has(originHost)))
    ) {
      return reply
        .code(403)
        .type('application/json')
        .send(
          toJsonRpcError(new SwitchboardError('FORBIDDEN', 'Host or Origin not allowed (DNS-rebinding protection).')),
        );
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    try {
      if (token === undefined || token === '')
        throw new SwitchboardError('UNAUTHENTICATED', 'An API key is required: send Authorization: Bearer sb_…');
      request.callerKey = await authenticator.authenticate(token, request.ip);
    } catch (error) {
      const failure = asSwitchboardError(error);
      if (failure.code !== 'UNAUTHENTICATED') throw failure;
      return reply
        .code(401)
        .header('www-authenticate', options.challenge(failure.message, token !== undefined && token !== ''))
        .type('application/json')
        .send(toJsonRpcError(failure));
    }
  });

  app.post('/mcp', async (request, reply) => {
    const key = request.callerKey as CallerKey;
    const body = request.body;
    const accept = acceptedForms(request.headers.accept);
    if (Array.isArray(body)) {
      return sendError(
        reply,
        400,
        null,
        new SwitchboardError('INVALID_REQUEST', 'JSON-RPC batches are not supported (removed in MCP 2025-06-18).'),
      );
    }
    if (!isObject(body) || body['jsonrpc'] !== '2.0') {
      return sendError(
        reply,
        400,
        null,
        new SwitchboardError('INVALID_REQUEST', 'The body must be one JSON-RPC 2.0 message.'),
      );
    }
    const id = validId(body['id']);
    const method = body['method'];

    let session: LegacySession | undefined;
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && method !== 'initialize') {
      session = await sessions.open(sessionId);
      if (session === undefined || session.keyId !== key.id) {
        return sendError(
          reply,
          404,
          id ?? null,
          new SwitchboardError('SESSION_NOT_FOUND', 'Session not found; initialize a new session.'),
        );
      }
    }

    if (typeof method !== 'string') {
      // A client's answer to a request the gateway sent on a call's stream (input for an upstream).
      if (isResponse(body)) {
        if (session !== undefined) await bridge.deliver(session.nonce, body);
        return reply.code(202).send();
      }
      return sendError(
        reply,
        400,
        id ?? null,
        new SwitchboardError('INVALID_REQUEST', 'A JSON-RPC request needs a string "method".'),
      );
    }
    const params = isObject(body['params']) ? body['params'] : undefined;
    if (body['params'] !== undefined && params === undefined) {
      return sendError(reply, 400, id ?? null, new SwitchboardError('INVALID_REQUEST', '"params" must be an object.'));
    }

    if (!('id' in body)) {
      // Notifications. Claude sends some without a session id; they are acknowledged either way.
      if (method === 'notifications/cancelled' && session !== undefined && params !== undefined) {
        const requestId = validId(params['requestId']);
        if (requestId !== undefined) {
          const reason = typeof params['reason'] === 'string' ? params['reason'] : undefined;
          await inFlight.cancel(session.nonce, requestId, reason);
        }
      }
      return reply.code(202).send();
    }
    if (id === undefined) {
      return sendError(
        reply,
        400,
        null,
        new SwitchboardError('INVALID_REQUEST', '"id" must be a string or an integer.'),
      );
    }

    // 2026-07-28 requests carry the envelope; one that names the modern revision in its header but lacks
    // the envelope is a malformed modern request (the SDK answers it), not a 2025 one. A session id wins over
    // both: Claude sends the modern header on sessions it negotiated as 2025-11-25.
    const envelope = isObject(params?.['_meta']) ? params['_meta'][META.protocolVersion] : undefined;
    const modernHeader = request.headers['mcp-protocol-version'] === MODERN_PROTOCOL_VERSION;
    // An `initialize` without the envelope is always a 2025 handshake (Claude re-POSTs it with the modern header).
    const era: 'legacy' | 'modern' =
      session === undefined && (envelope !== undefined || (modernHeader && method !== 'initialize'))
        ? 'modern'
        : 'legacy';

    if (method === 'tools/call') {
      return handleToolCall(request, reply, { key, id, params: params ?? {}, era, session, accept });
    }

    const admitted = await admission.admit(key, { method });
    if (!admitted.allowed) return refuse(reply, id, admitted);

    const authInfo = { token: 'redacted', clientId: key.id, scopes: key.scopes, extra: { key } };
    if (era === 'modern') {
      metrics.requests.inc({ method, era, status: 'sdk' });
      return serveWithSdk(modern, request, reply, { body, authInfo, accept, headers: admitted.headers });
    }

    const headers = { ...admitted.headers };
    let protocolVersion = session?.protocolVersion;
    if (method === 'initialize') {
      const requested = params?.['protocolVersion'];
      protocolVersion = LEGACY_PROTOCOL_VERSIONS.find((v) => v === requested) ?? DEFAULT_LEGACY_VERSION;
      const clientInfo = isObject(params?.['clientInfo']) ? params['clientInfo'] : undefined;
      const issued = await sessions.issue({
        protocolVersion,
        keyId: key.id,
        clientCapabilities: isObject(params?.['capabilities']) ? params['capabilities'] : {},
        clientInfo:
          clientInfo !== undefined && typeof clientInfo['name'] === 'string'
            ? { name: clientInfo['name'], version: String(clientInfo['version'] ?? '') }
            : undefined,
      });
      headers['mcp-session-id'] = issued.id;
    } else if (protocolVersion === undefined) {
      // Sessionless legacy request: honour the client's version if it is one the legacy leg speaks.
      const header = request.headers['mcp-protocol-version'];
      protocolVersion = LEGACY_PROTOCOL_VERSIONS.find((v) => v === header) ?? DEFAULT_LEGACY_VERSION;
    }
    metrics.requests.inc({ method, era, status: 'sdk' });
    // Claude's connector has been seen sending `MCP-Protocol-Version: 2026-07-28` on a session negotiated as
    // 2025-11-25; the session's own version is what the legacy leg must see.
    return serveWithSdk(legacy, request, reply, { body, authInfo, accept, headers, protocolVersion });
  });

  app.get('/mcp', async (request, reply) => {
    const key = request.callerKey as CallerKey;
    const sessionId = request.headers['mcp-session-id'];
    if (typeof sessionId !== 'string') {
      return sendError(
        reply,
        405,
        null,
        new SwitchboardError(
          'INVALID_REQUEST',
          'GET /mcp needs an Mcp-Session-Id (2025-era stream); 2026-07-28 clients use subscriptions/listen.',
        ),
      );
    }
    const session = await sessions.open(sessionId);
    if (session === undefined || session.keyId !== key.id) {
      return sendError(
        reply,
        404,
        null,
        new SwitchboardError('SESSION_NOT_FOUND', 'Session not found; initialize a new session.'),
      );
    }
    if (!acceptedForms(request.headers.accept).sse || request.headers.accept === undefined) {
      return sendError(
        reply,
        406,
        null,
        new SwitchboardError('NOT_ACCEPTABLE', 'GET /mcp streams text/event-stream; list it in Accept.'),
      );
    }
    reply.hijack();
    streams.open(session, key.scopes, reply.raw);
  });

  app.delete('/mcp', async (request, reply) => {
    const key = request.callerKey as CallerKey;
    const sessionId = request.headers['mcp-session-id'];
    const session = typeof sessionId === 'string' ? await sessions.open(sessionId) : undefined;
    if (session === undefined || session.keyId !== key.id) {
      return sendError(reply, 404, null, new SwitchboardError('SESSION_NOT_FOUND', 'Session not found.'));
    }
    await sessions.end(session);
    return reply.code(200).send();
  });

  interface ToolCallInput {
    key: CallerKey;
    id: JsonRpcId;
    params: Record<string, unknown>;
    era: 'legacy' | 'modern';
    session: LegacySession | undefined;
    accept: AcceptedForms;
  }

  async function handleToolCall(request: FastifyRequest, reply: FastifyReply, input: ToolCallInput) {
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
      const mismatch = modernHeaderMismatch(request, name);
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
    const signal = controller.signal;
    try {
      const outcome = await relayToolCall(
        {
          message: { jsonrpc: '2.0', id, method: 'tools/call', params } satisfies JsonRpcRequest,
          era,
          key,
          entry,
          accept,
          headers: admitted.headers,
          signal,
          timeoutMs: entry.upstream.config.timeout_ms ?? options.callTimeoutMs,
          gatewayInfo: options.info,
          ...(era === 'modern' ? { heldCalls: bridge } : {}),
          ...(era === 'legacy'
            ? {
                legacyEnvelope: {
                  [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
                  [META.clientInfo]: session?.clientInfo ?? options.info,
                  [META.clientCapabilities]: session?.clientCapabilities ?? {},
                  [META.logLevel]: 'debug',
                },
                ...(session === undefined
                  ? {}
                  : {
                      inputBridge: { bridge, session: session.nonce, clientCapabilities: session.clientCapabilities },
                    }),
              }
            : {}),
        },
        res,
      );
      metrics.toolCalls.inc({ upstream, tool: name, outcome });
      options.calls?.record(key.id, upstream, outcome === 'ok' || outcome === 'cancelled' ? 'ok' : 'error');
      metrics.toolCallSeconds.observe({ upstream }, (performance.now() - started) / 1000);
    } finally {
      untrack?.();
    }
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
}

function refuse(reply: FastifyReply, id: JsonRpcId, decision: AdmissionDecision) {
  const r = decision.refusal!;
  const error = new SwitchboardError(
    'RATE_LIMITED',
    `Rate limit: ${r.limit} requests per ${describeWindow(r.windowS)} (${r.scope}); retry in ${r.retryAfterS} s.`,
    { retryAfterS: r.retryAfterS, details: { limit: r.limit, window_s: r.windowS, scope: r.scope } },
  );
  return reply
    .code(429)
    .headers({ ...decision.headers, 'retry-after': String(r.retryAfterS) })
    .type('application/json')
    .send(toJsonRpcError(error, id));
}

function sendError(reply: FastifyReply, status: number, id: JsonRpcId | null, error: SwitchboardError) {
  return reply.code(status).type('application/json').send(toJsonRpcError(error, id));
}

function validId(value: unknown): JsonRpcId | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return undefined;
}

/**
 * 2026-07-28 requests mirror method and name in headers (SEP-2243) so intermediaries can route without
 * parsing; a mismatch is refused with HeaderMismatch, and an unsupported version with -32022.
 */
function modernHeaderMismatch(request: FastifyRequest, name: string) {
  const version = request.headers['mcp-protocol-version'];
  const meta = (request.body as { params?: { _meta?: unknown } }).params?._meta;
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

function describeWindow(windowS: number): string {
  if (windowS === 60) return 'minute';
  if (windowS === 3600) return 'hour';
  if (windowS === 86400) return 'day';
  return `${windowS} s`;
}

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  return host.split(':', 1)[0]?.toLowerCase();
}

function safeUrlHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
