import type { Caller } from '@switchboard/caller-assertion';
import { SwitchboardError } from '@switchboard/errors';
import type { Dispatcher } from 'undici';
import type { UpstreamCredentials } from './credentials/upstream-credentials.ts';
import {
  cancelled,
  collect,
  parseJson,
  upstreamAuthError,
  upstreamHttpError,
  upstreamTransportError,
} from './http-errors.ts';
import {
  isObject,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  META,
  MODERN_PROTOCOL_VERSION,
} from './json-rpc.ts';
import { SseParser } from './sse-parser.ts';
import type { ExchangeOptions, UpstreamLink, UpstreamServerInfo } from './upstream-link.ts';

export interface ModernLinkDeps {
  name: string;
  pool: Dispatcher;
  /** Path and query of the MCP endpoint on the pool's origin. */
  path: string;
  credentials: UpstreamCredentials;
  clientInfo: { name: string; version: string };
  defaultTimeoutMs: number;
}

export const SERVICE_CALLER: Caller = { keyId: 'gateway', scopes: ['*'] };
let nextId = 1;

/**
 * The 2026-07-28 era over Streamable HTTP: stateless, so any replica sends any request without a session,
 * and closing a stream is the cancellation. The per-call path is one pooled POST with the raw JSON-RPC
 * message: no SDK client, no schema validation of the result.
 */
export class ModernHttpLink implements UpstreamLink {
  readonly era = 'modern';
  readonly server: UpstreamServerInfo;
  readonly #deps: ModernLinkDeps;

  private constructor(deps: ModernLinkDeps, server: UpstreamServerInfo) {
    this.#deps = deps;
    this.server = server;
  }

  /**
   * Probes with `server/discover`. Resolves with a link when the upstream speaks 2026-07-28, with undefined
   * when it answers as a 2025-era server would (HTTP 400/404/405, -32601, any non-discover answer); rejects
   * when it cannot be reached or refuses our credentials, which says nothing about its era.
   */
  static async probe(deps: ModernLinkDeps): Promise<ModernHttpLink | undefined> {
    const id = `gw-${nextId++}`;
    const message = { jsonrpc: '2.0', id, method: 'server/discover', params: { _meta: envelope(deps.clientInfo) } };
    let res: Dispatcher.ResponseData;
    try {
      res = await deps.pool.request({
        path: deps.path,
        method: 'POST',
        headers: await requestHeaders(deps, 'server/discover', undefined, SERVICE_CALLER),
        body: JSON.stringify(message),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
    } catch (error) {
      throw upstreamTransportError(deps.name, error, 1);
    }
    res.body.setEncoding('utf8');
    const text = await collect(res.body);
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw upstreamAuthError(deps.name, res.statusCode, deps.credentials.hint);
    }
    if (res.statusCode >= 500) throw upstreamHttpError(deps.name, res.statusCode, text);
    const response = firstResponse(text, String(res.headers['content-type'] ?? ''));
    const result = response?.result;
    if (res.statusCode !== 200 || result === undefined || !Array.isArray(result['supportedVersions'])) return undefined;
    if (!result['supportedVersions'].includes(MODERN_PROTOCOL_VERSION)) return undefined;
    return new ModernHttpLink(deps, {
      protocolVersion: MODERN_PROTOCOL_VERSION,
      capabilities: isObject(result['capabilities']) ? result['capabilities'] : {},
      serverInfo: result['serverInfo'],
      instructions: result['instructions'],
    });
  }

  /** The `_meta` envelope for a request the gateway originates (the modern era requires one per request). */
  envelope(): Record<string, unknown> {
    return envelope(this.#deps.clientInfo);
  }

  async exchange(message: JsonRpcRequest, options: ExchangeOptions): Promise<JsonRpcResponse> {
    const deps = this.#deps;
    const params = message.params ?? {};
    // Requests the gateway originates carry no envelope yet; a relayed call carries the caller's.
    const request =
      isObject(params['_meta']) && META.protocolVersion in params['_meta']
        ? message
        : {
            ...message,
            params: { ...params, _meta: { ...(isObject(params['_meta']) ? params['_meta'] : {}), ...this.envelope() } },
          };
    const nameHeader = message.method === 'resources/read' ? params['uri'] : params['name'];
    const headers = await requestHeaders(deps, message.method, nameHeader, options.caller);

    let response: JsonRpcResponse | undefined;
    try {
      // undici's own timers bound the call (no per-call AbortSignal.timeout: timers and signal composition
      // were a measurable share of the hot path). The body timeout is the longest silence, so a long call
      // that streams progress is not cut, as MCP's resetTimeoutOnProgress intends.
      const timeoutMs = options.timeoutMs ?? deps.defaultTimeoutMs;
      const res = await deps.pool.request({
        path: deps.path,
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const contentType = String(res.headers['content-type'] ?? '');
      if (res.statusCode >= 500 || res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404) {
        res.body.setEncoding('utf8');
        const text = await collect(res.body);
        if (res.statusCode === 401 || res.statusCode === 403) {
          throw upstreamAuthError(deps.name, res.statusCode, deps.credentials.hint);
        }
        throw upstreamHttpError(deps.name, res.statusCode, text);
      }
      if (contentType.includes('text/event-stream')) {
        options.onStart?.('sse');
        response = await readSseResponse(res.body, options.onMessage);
      } else {
        options.onStart?.('json');
        const parsed = parseJson(await res.body.text());
        if (isResponse(parsed)) response = parsed;
      }
    } catch (error) {
      if (options.signal?.aborted) throw cancelled(deps.name);
      throw upstreamTransportError(deps.name, error, 1);
    }
    if (response === undefined) {
      throw new SwitchboardError('UPSTREAM_ERROR', `The ${deps.name} server answered without a JSON-RPC response.`, {
        context: { upstream: deps.name },
      });
    }
    return response;
  }

  /**
   * One `subscriptions/listen` stream for list changes, until it ends or `signal` aborts. An upstream with
   * nothing to announce (no `listChanged` capability, no listen method, or an acknowledgement that honours
   * nothing) is not asked again before `signal` aborts: its lists are read again on the registry's timer. A
   * stream that ends otherwise resolves, and the registry renegotiates (the upstream may have restarted).
   */
  async watch(onNotification: (method: string, params: unknown) => void, signal: AbortSignal): Promise<void> {
    if (!announcesChanges(this.server.capabilities)) return untilAborted(signal);
    const deps = this.#deps;
    const res = await deps.pool.request({
      path: deps.path,
      method: 'POST',
      signal,
      headers: {
        ...(await requestHeaders(deps, 'subscriptions/listen', undefined, SERVICE_CALLER)),
        accept: 'text/event-stream, application/json',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: `gw-listen-${nextId++}`,
        method: 'subscriptions/listen',
        params: {
          notifications: { toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true },
          _meta: this.envelope(),
        },
      }),
    });
    if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/event-stream')) {
      await collect(res.body);
      if (res.statusCode >= 500) throw new Error(`subscriptions/listen answered HTTP ${res.statusCode}`);
      // A JSON answer (method not found) or a 4xx: this upstream offers no listen stream.
      return untilAborted(signal);
    }
    res.body.setEncoding('utf8');
    let honoursNothing = false;
    const parser = new SseParser((data) => {
      const message = parseJson(data);
      if (!isObject(message) || typeof message['method'] !== 'string') return;
      if (message['method'] === 'notifications/subscriptions/acknowledged') {
        const honoured = isObject(message['params']) ? message['params']['notifications'] : undefined;
        honoursNothing = !isObject(honoured) || !Object.values(honoured).includes(true);
      } else onNotification(message['method'], message['params']);
    });
    try {
      for await (const chunk of res.body) parser.push(chunk as string);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
    if (honoursNothing) await untilAborted(signal);
  }

  async close(): Promise<void> {}
}

/** Whether the upstream said it announces any list change (the only thing the gateway listens for). */
function announcesChanges(capabilities: Record<string, unknown>): boolean {
  return ['tools', 'prompts', 'resources'].some((kind) => {
    const declared = capabilities[kind];
    return isObject(declared) && declared['listChanged'] === true;
  });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function envelope(clientInfo: { name: string; version: string }): Record<string, unknown> {
  return {
    [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
    [META.clientInfo]: clientInfo,
    [META.clientCapabilities]: {},
  };
}

async function requestHeaders(
  deps: ModernLinkDeps,
  method: string,
  name: unknown,
  caller: Caller,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    ...(await deps.credentials.headers(caller)),
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
    'mcp-method': method,
  };
  // SEP-2243: the name travels in a header too, so intermediaries can route without parsing the body.
  if (typeof name === 'string' && /^[\x20-\x7e]*$/.test(name)) headers['mcp-name'] = name;
  return headers;
}

/** How long an upstream may keep an answered stream open before its connection is given up. */
const DRAIN_GRACE_MS = 1000;

/**
 * Reads an SSE answer until its JSON-RPC response, delivering the messages before it. Stream events, not an
 * async iterator: the iterator's promise per chunk was a measurable share of the hot path. The response ends
 * the exchange even if the upstream keeps the stream open a little longer; the rest is drained rather than
 * destroyed, because destroying an unfinished body closes the pooled connection and the next call would pay
 * for a new one. A stream still open `DRAIN_GRACE_MS` after its response is destroyed.
 */
function readSseResponse(
  body: Dispatcher.ResponseData['body'],
  onMessage: ((message: JsonRpcMessage) => void) | undefined,
): Promise<JsonRpcResponse | undefined> {
  return new Promise((resolve, reject) => {
    let response: JsonRpcResponse | undefined;
    let settled = false;
    const parser = new SseParser((data) => {
      const parsed = parseJson(data);
      if (parsed === undefined) return;
      if (isResponse(parsed)) response = parsed;
      else onMessage?.(parsed as JsonRpcMessage);
    });
    const settle = () => {
      settled = true;
      resolve(response);
      if (body.readableEnded) return;
      const grace = setTimeout(() => body.destroy(), DRAIN_GRACE_MS);
      grace.unref();
      body.once('close', () => clearTimeout(grace));
    };
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => {
      if (settled) return;
      parser.push(chunk);
      if (response !== undefined) settle();
    });
    body.once('end', () => {
      if (settled) return;
      parser.end();
      settled = true;
      resolve(response);
    });
    // Stays attached after the answer: a drained body that fails later must not be an unhandled 'error'.
    body.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

/** The first JSON-RPC response in a JSON or SSE body. */
export function firstResponse(text: string, contentType: string): JsonRpcResponse | undefined {
  if (!contentType.includes('text/event-stream')) {
    const parsed = parseJson(text);
    return isResponse(parsed) ? parsed : undefined;
  }
  let found: JsonRpcResponse | undefined;
  const parser = new SseParser((data) => {
    const parsed = parseJson(data);
    if (found === undefined && isResponse(parsed)) found = parsed;
  });
  parser.push(text);
  parser.end();
  return found;
}
