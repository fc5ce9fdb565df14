import { asSwitchboardError, SwitchboardError } from '@switchboard/errors';
import fp from 'fastify-plugin';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Admission } from '../rate-limits/admission.ts';
import {
  isObject,
  isResponse,
  LEGACY_PROTOCOL_VERSIONS,
  META,
  MODERN_PROTOCOL_VERSION,
} from '../upstreams/json-rpc.ts';
import { acceptedForms } from './accept.ts';
import type { CallerKey } from './caller-key.ts';
import type { ClientRequestBridge } from './client-request-bridge.ts';
import type { InFlightCalls } from './in-flight-calls.ts';
import { refuse, sendError, sessionNotFound, validId } from './json-rpc-replies.ts';
import { type Handshake, legacyHandshake } from './legacy-handshake.ts';
import type { LegacySession, LegacySessions } from './legacy-sessions.ts';
import { type FetchHandler, serveWithSdk } from './sdk-bridge.ts';
import type { ToolCallHandler } from './tool-call-handler.ts';
import { writeSingle } from './tool-call-relay.ts';

export interface McpPostOptions {
  sessions: LegacySessions;
  inFlight: InFlightCalls;
  admission: Admission;
  metrics: GatewayMetrics;
  bridge: ClientRequestBridge;
  /** The SDK's strict 2026-07-28 handler and its stateless 2025-era leg (everything but `tools/call`). */
  sdk: { modern: FetchHandler; legacy: FetchHandler };
  callTool: ToolCallHandler;
  /** The gateway's identity and instructions, for the 2025-era handshake it answers itself. */
  server: { info: { name: string; version: string }; instructions: string };
}

const DEFAULT_LEGACY_VERSION = LEGACY_PROTOCOL_VERSIONS[0];

/**
 * `POST /mcp`: checks that the body is one JSON-RPC message, opens its 2025-era session if it names one,
 * decides its era, and dispatches: answers from the client, notifications, `tools/call` (the lean relay),
 * then, after one limiter decision, the 2025-era `initialize` (answered here) and every other method (the SDK).
 */
export const mcpPost = fp<McpPostOptions>(
  async (app, options) => {
    const { sessions, inFlight, admission, metrics, bridge, sdk, callTool, server } = options;

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
        if (session === undefined || session.keyId !== key.id)
          return sendError(reply, 404, id ?? null, sessionNotFound());
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
        return sendError(
          reply,
          400,
          id ?? null,
          new SwitchboardError('INVALID_REQUEST', '"params" must be an object.'),
        );
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

      if (method === 'tools/call')
        return callTool(request, reply, { key, id, params: params ?? {}, era, session, accept });

      const admitted = await admission.admit(key, { method });
      if (!admitted.allowed) return refuse(reply, id, admitted);

      const authInfo = { token: 'redacted', clientId: key.id, scopes: key.scopes, extra: { key } };
      if (era === 'modern') {
        metrics.requests.inc({ method, era, status: 'sdk' });
        return serveWithSdk(sdk.modern, request, reply, { body, authInfo, accept, headers: admitted.headers });
      }

      if (method === 'initialize') {
        let handshake: Handshake;
        try {
          handshake = legacyHandshake(params, server);
        } catch (error) {
          return sendError(reply, 200, id, asSwitchboardError(error));
        }
        const issued = await sessions.issue({
          protocolVersion: handshake.protocolVersion,
          keyId: key.id,
          clientCapabilities: handshake.clientCapabilities,
          clientInfo: handshake.clientInfo,
        });
        metrics.requests.inc({ method, era, status: 'gateway' });
        reply.hijack();
        const headers = { ...admitted.headers, 'mcp-session-id': issued.id };
        return writeSingle(reply.raw, { jsonrpc: '2.0', id, result: handshake.result }, accept, headers);
      }

      // Sessionless legacy request: honour the client's version if it is one the legacy leg speaks.
      const header = request.headers['mcp-protocol-version'];
      const protocolVersion =
        session?.protocolVersion ?? LEGACY_PROTOCOL_VERSIONS.find((v) => v === header) ?? DEFAULT_LEGACY_VERSION;
      metrics.requests.inc({ method, era, status: 'sdk' });
      // Claude's connector has been seen sending `MCP-Protocol-Version: 2026-07-28` on a session negotiated as
      // 2025-11-25; the session's own version is what the legacy leg must see.
      return serveWithSdk(sdk.legacy, request, reply, {
        body,
        authInfo,
        accept,
        headers: admitted.headers,
        protocolVersion,
      });
    });
  },
  { name: 'mcp-post' },
);
