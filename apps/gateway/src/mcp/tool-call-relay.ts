import type { ServerResponse } from 'node:http';
import { asSwitchboardError, SwitchboardError, toToolErrorResult } from '@switchboard/errors';
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../upstreams/json-rpc.ts';
import { isObject, META } from '../upstreams/json-rpc.ts';
import type { CatalogEntry } from '../upstreams/upstream-registry.ts';
import type { AcceptedForms } from './accept.ts';
import type { CallerKey } from './caller-key.ts';
import { SseWriter } from './sse-writer.ts';

export interface ToolCall {
  message: JsonRpcRequest;
  era: 'legacy' | 'modern';
  key: CallerKey;
  entry: CatalogEntry;
  /** The modern `_meta` envelope a legacy client cannot send, built from its session. */
  legacyEnvelope?: Record<string, unknown>;
  accept: AcceptedForms;
  /** Headers every response carries (rate limits, session id). */
  headers: Record<string, string>;
  /** Aborts the upstream call: client cancel (legacy) or disconnect. */
  signal: AbortSignal;
  timeoutMs: number;
  gatewayInfo: { name: string; version: string };
}

export type CallOutcome = 'ok' | 'tool_error' | 'error' | 'cancelled';

/**
 * The hot path: one `tools/call` relayed to the upstream that owns the tool. The JSON-RPC message is
 * forwarded with only the tool name changed (and, for a legacy client, the per-request envelope the
 * upstream's stateless era needs); the result reaches the client as the upstream wrote it, apart from
 * `_meta` identity and the era's `resultType`. Progress and log notifications stream through unchanged:
 * the client's own progress token travels upstream, so no remapping is needed.
 */
export async function relayToolCall(call: ToolCall, res: ServerResponse): Promise<CallOutcome> {
  const { message, entry } = call;
  const params = message.params ?? {};
  const clientMeta = isObject(params['_meta']) ? params['_meta'] : {};
  const upstreamMessage: JsonRpcRequest = {
    jsonrpc: '2.0',
    id: message.id,
    method: 'tools/call',
    params: {
      ...params,
      name: entry.original,
      _meta: call.era === 'modern' ? clientMeta : { ...clientMeta, ...call.legacyEnvelope },
    },
  };

  let sse: SseWriter | undefined;
  const startStream = () => {
    if (sse === undefined && call.accept.sse && !res.headersSent) sse = new SseWriter(res, 200, call.headers);
  };
  let outcome: CallOutcome = 'ok';
  let response: JsonRpcResponse;
  try {
    response = await entry.upstream.exchange(upstreamMessage, {
      caller: { keyId: call.key.id, scopes: call.key.scopes, owner: call.key.owner },
      signal: call.signal,
      timeoutMs: call.timeoutMs,
      onStart: (kind) => {
        if (kind === 'sse') startStream();
      },
      onMessage: (m: JsonRpcMessage) => sse?.send(m),
    });
    if (response.error !== undefined) outcome = 'error';
    else if (response.result?.['isError'] === true) outcome = 'tool_error';
    response = { ...response, id: message.id };
    if (response.result !== undefined) response.result = shapeResult(response.result, call);
  } catch (error) {
    if (call.signal.aborted) {
      sse?.end();
      if (!res.headersSent && !res.writableEnded) {
        res.writeHead(202, call.headers).end();
      }
      return 'cancelled';
    }
    outcome = 'error';
    response = { jsonrpc: '2.0', id: message.id, result: shapeResult(toolFailure(error, entry), call) };
  }
  if (sse !== undefined) {
    sse.send(response);
    sse.end();
  } else {
    writeSingle(res, response, call.accept, call.headers);
  }
  return outcome;
}

function toolFailure(error: unknown, entry: CatalogEntry): Record<string, unknown> {
  const failure = asSwitchboardError(error);
  const named =
    failure.code === 'INTERNAL'
      ? new SwitchboardError('UPSTREAM_ERROR', `The call to ${entry.upstream.name} failed unexpectedly.`, {
          context: { upstream: entry.upstream.name },
        })
      : failure;
  return toToolErrorResult(named) as unknown as Record<string, unknown>;
}

/** The era's result shape: modern results carry `resultType` and the gateway's identity; legacy ones neither. */
function shapeResult(result: Record<string, unknown>, call: ToolCall): Record<string, unknown> {
  const meta = isObject(result['_meta']) ? { ...result['_meta'] } : undefined;
  if (call.era === 'modern') {
    if (meta !== undefined && META.serverInfo in meta) meta[META.serverInfo] = call.gatewayInfo;
    return { ...result, ...(meta === undefined ? {} : { _meta: meta }), resultType: result['resultType'] ?? 'complete' };
  }
  const { resultType: _dropped, ...legacy } = result;
  if (meta !== undefined) {
    delete meta[META.serverInfo];
    if (Object.keys(meta).length === 0) delete legacy['_meta'];
    else legacy['_meta'] = meta;
  }
  return legacy;
}

/** One message answered in the form the client accepts: JSON when it can read it, else one SSE event. */
export function writeSingle(
  res: ServerResponse,
  message: unknown,
  accept: AcceptedForms,
  headers: Record<string, string>,
  status = 200,
): void {
  if (res.headersSent) return;
  if (accept.json || !accept.sse) {
    const body = JSON.stringify(message);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const body = `event: message\ndata: ${JSON.stringify(message)}\n\n`;
  res.writeHead(status, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(body);
}

export type { JsonRpcId };
