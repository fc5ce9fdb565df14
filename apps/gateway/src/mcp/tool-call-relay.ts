import type { ServerResponse } from 'node:http';
import { asSwitchboardError, SwitchboardError } from '@switchboard/errors';
import type { JsonRpcId, JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../upstreams/json-rpc.ts';
import { isObject, META } from '../upstreams/json-rpc.ts';
import type { CatalogEntry } from '../upstreams/upstream-registry.ts';
import type { AcceptedForms } from './accept.ts';
import type { CallerKey } from './caller-key.ts';
import type { ClientRequestBridge } from './client-request-bridge.ts';
import { HELD_INPUT_KEY, HeldCall, type HeldEvent, isHeldState, resumeHeldCall } from './held-calls.ts';
import { SseWriter } from './sse-writer.ts';
import { toolErrorResultFor } from './tool-error-result.ts';

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
  /** For 2026-07-28 callers: holds a 2025-era upstream's call while the caller answers its questions. */
  heldCalls?: ClientRequestBridge;
  /** For 2025-era sessions: turns an upstream's `input_required` into requests on this call's stream. */
  inputBridge?: { bridge: ClientRequestBridge; session: string; clientCapabilities: Record<string, unknown> };
}

/** Which client capability each embedded input request needs (2025-era clients declare them at initialize). */
const CAPABILITY_FOR: Record<string, string> = {
  'elicitation/create': 'elicitation',
  'sampling/createMessage': 'sampling',
  'roots/list': 'roots',
};
const MAX_INPUT_ROUNDS = 10;
const CLIENT_ANSWER_TIMEOUT_MS = 300_000;

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
  if (call.heldCalls !== undefined && isHeldState(params['requestState'])) return resumeHeld(call, res);
  const clientMeta = isObject(params['_meta']) ? params['_meta'] : {};
  const upstreamMessage: JsonRpcRequest = {
    jsonrpc: '2.0',
    id: message.id,
    method: 'tools/call',
    params: {
      ...params,
      name: entry.original,
      // Only a 2026-07-28 upstream needs the envelope a 2025-era caller cannot send.
      _meta:
        call.era === 'modern' || entry.upstream.era === 'legacy'
          ? clientMeta
          : { ...clientMeta, ...call.legacyEnvelope },
    },
  };

  let sse: SseWriter | undefined;
  const startStream = () => {
    if (sse === undefined && call.accept.sse && !res.headersSent) sse = new SseWriter(res, 200, call.headers);
  };
  let outcome: CallOutcome = 'ok';
  let response: JsonRpcResponse;
  // A 2026-07-28 caller of a 2025-era upstream is asked with input_required while the call is held here.
  const held =
    call.heldCalls !== undefined && entry.upstream.era === 'legacy'
      ? new HeldCall(call.heldCalls, call.key.id)
      : undefined;
  let handedOff = false;
  try {
    for (let round = 0; ; round++) {
      const exchange = entry.upstream.exchange(upstreamMessage, {
        caller: { keyId: call.key.id, scopes: call.key.scopes, owner: call.key.owner },
        signal: call.signal,
        timeoutMs: call.timeoutMs,
        onStart: (kind) => {
          if (kind === 'sse') startStream();
        },
        onMessage: (m: JsonRpcMessage) => {
          if (!handedOff) sse?.send(m);
        },
        // A 2025-era upstream asks mid-call (sampling, elicitation, roots): a 2025-era caller answers on this
        // stream; a 2026-07-28 caller gets input_required and answers with its next call.
        onRequest: (request, signal) => {
          if (held !== undefined) return held.ask(request, signal);
          if (call.inputBridge === undefined) return Promise.resolve(cannotAsk(request, 'this caller'));
          if (!call.accept.sse)
            return Promise.resolve(cannotAsk(request, 'a caller that does not accept text/event-stream'));
          startStream();
          return askClientOnce(
            request.method,
            request.params ?? {},
            call.inputBridge,
            sse!,
            AbortSignal.any([signal, call.signal]),
          );
        },
      });
      if (held === undefined) response = await exchange;
      else {
        const first = await Promise.race([
          exchange.then((r): HeldEvent => ({ kind: 'final', response: r })),
          held.firstQuestion,
        ]);
        if (first.kind === 'input') {
          handedOff = true;
          void exchange.then(
            (r) => held.finish(r),
            (error) => held.finish({ jsonrpc: '2.0', id: message.id, result: toolFailure(error, entry) }),
          );
          response = { jsonrpc: '2.0', id: message.id, result: inputRequired(first) };
          break;
        }
        response = first.response;
      }
      const result = response.result;
      if (call.inputBridge === undefined || result?.['resultType'] !== 'input_required') break;
      // A 2025-era client cannot retry with inputResponses itself: ask it on this stream, then retry for it.
      if (round >= MAX_INPUT_ROUNDS)
        throw new SwitchboardError('UPSTREAM_ERROR', `${entry.upstream.name} kept asking for input.`);
      if (!call.accept.sse)
        throw new SwitchboardError(
          'INVALID_REQUEST',
          'This tool needs to ask the client for input, which requires Accept: text/event-stream.',
        );
      startStream();
      const inputResponses = await askClient(result, call.inputBridge, sse!, call.signal);
      upstreamMessage.params = {
        ...upstreamMessage.params,
        inputResponses,
        ...(result['requestState'] === undefined ? {} : { requestState: result['requestState'] }),
      };
    }
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

/** A retry of a held call: the caller's answer goes to the held call, and its next event comes back. */
async function resumeHeld(call: ToolCall, res: ServerResponse): Promise<CallOutcome> {
  const { message, entry } = call;
  let response: JsonRpcResponse;
  let outcome: CallOutcome = 'ok';
  try {
    const event = await resumeHeldCall(call.heldCalls!, call.key.id, message.params ?? {}, call.signal);
    response =
      event === undefined || event.kind === 'final'
        ? { ...(event?.response ?? { jsonrpc: '2.0', result: {} }), id: message.id }
        : { jsonrpc: '2.0', id: message.id, result: inputRequired(event) };
  } catch (error) {
    if (call.signal.aborted) return 'cancelled';
    outcome = 'error';
    response = { jsonrpc: '2.0', id: message.id, result: toolFailure(error, entry) };
  }
  if (response.result !== undefined) response.result = shapeResult(response.result, call);
  if (response.result?.['isError'] === true) outcome = 'tool_error';
  writeSingle(res, response, call.accept, call.headers);
  return outcome;
}

function inputRequired(event: Extract<HeldEvent, { kind: 'input' }>): Record<string, unknown> {
  return {
    resultType: 'input_required',
    inputRequests: { [HELD_INPUT_KEY]: event.request },
    requestState: event.requestState,
  };
}

async function askClient(
  result: Record<string, unknown>,
  input: NonNullable<ToolCall['inputBridge']>,
  sse: SseWriter,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const requests = isObject(result['inputRequests']) ? result['inputRequests'] : {};
  const answers: Record<string, unknown> = {};
  for (const [key, request] of Object.entries(requests)) {
    if (!isObject(request) || typeof request['method'] !== 'string') continue;
    const params = isObject(request['params']) ? request['params'] : {};
    const reply = await askClientOnce(request['method'], params, input, sse, signal);
    if (reply.error !== undefined)
      throw new SwitchboardError('INVALID_REQUEST', `The client refused ${request['method']}: ${reply.error.message}`);
    answers[key] = reply.result ?? {};
  }
  return answers;
}

/** Sends one server request to a 2025-era caller on its call's stream and waits for its answer (any replica). */
async function askClientOnce(
  method: string,
  params: Record<string, unknown>,
  input: NonNullable<ToolCall['inputBridge']>,
  sse: SseWriter,
  signal: AbortSignal,
): Promise<JsonRpcResponse> {
  const capability = CAPABILITY_FOR[method];
  if (capability === undefined || input.clientCapabilities[capability] === undefined) {
    throw new SwitchboardError(
      'INVALID_REQUEST',
      `This tool needs the client to support ${capability ?? method}, which it did not declare.`,
    );
  }
  const id = input.bridge.newId();
  const answer = input.bridge.wait(input.session, id, signal, CLIENT_ANSWER_TIMEOUT_MS);
  sse.send({ jsonrpc: '2.0', id, method, params });
  return answer;
}

function cannotAsk(request: JsonRpcRequest, who: string): JsonRpcResponse {
  return {
    jsonrpc: '2.0',
    id: request.id,
    error: { code: -32601, message: `${request.method} cannot reach ${who} through the gateway.` },
  };
}

function toolFailure(error: unknown, entry: CatalogEntry): Record<string, unknown> {
  const failure = asSwitchboardError(error);
  const named =
    failure.code === 'INTERNAL'
      ? new SwitchboardError('UPSTREAM_ERROR', `The call to ${entry.upstream.name} failed unexpectedly.`, {
          context: { upstream: entry.upstream.name },
        })
      : failure;
  return toolErrorResultFor(named, entry);
}

/** The era's result shape: modern results carry `resultType` and the gateway's identity; legacy ones neither. */
function shapeResult(result: Record<string, unknown>, call: ToolCall): Record<string, unknown> {
  const meta = isObject(result['_meta']) ? { ...result['_meta'] } : undefined;
  if (call.era === 'modern') {
    if (meta !== undefined && META.serverInfo in meta) meta[META.serverInfo] = call.gatewayInfo;
    return {
      ...result,
      ...(meta === undefined ? {} : { _meta: meta }),
      resultType: result['resultType'] ?? 'complete',
    };
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
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    return;
  }
  const body = `event: message\ndata: ${JSON.stringify(message)}\n\n`;
  res.writeHead(status, { ...headers, 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(body);
}

export type { JsonRpcId };
