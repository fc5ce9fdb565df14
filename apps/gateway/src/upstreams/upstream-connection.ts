import type { Caller, CallerAssertionSigner } from '@switchboard/caller-assertion';
import { SwitchboardError } from '@switchboard/errors';
import { Pool, errors as undiciErrors } from 'undici';
import { CircuitBreaker } from './circuit-breaker.ts';
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
import type { UpstreamConfig } from './upstream-config.ts';

export interface ExchangeOptions {
  caller: Caller;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called once, when the upstream's response headers arrive: 'sse' means messages may precede the response. */
  onStart?: (kind: 'json' | 'sse') => void;
  /** Every message before the response (progress, log messages, server requests). */
  onMessage?: (message: JsonRpcMessage) => void;
}

export type UpstreamState = 'connecting' | 'ready' | 'down';

const SERVICE_CALLER: Caller = { keyId: 'gateway', scopes: ['*'] };
let nextId = 1;

/**
 * The gateway's link to one upstream MCP server, spoken in the stateless 2026-07-28 era so that any gateway
 * replica can send any request without a session, and closing a stream is the cancellation.
 *
 * One pooled undici client per upstream carries every request: the per-call path is one POST with the raw
 * JSON-RPC message, no SDK client, no schema validation of the result.
 */
export class UpstreamConnection {
  readonly name: string;
  readonly config: UpstreamConfig;
  readonly breaker = new CircuitBreaker();
  state: UpstreamState = 'connecting';
  lastError: string | undefined;
  discovered: Record<string, unknown> | undefined;
  readonly #pool: Pool;
  readonly #path: string;
  readonly #signer: CallerAssertionSigner;
  readonly #clientInfo: { name: string; version: string };

  constructor(
    config: UpstreamConfig,
    deps: { signer: CallerAssertionSigner; clientInfo: { name: string; version: string } },
  ) {
    this.name = config.name;
    this.config = config;
    const url = new URL(config.url);
    this.#path = `${url.pathname}${url.search}`;
    this.#pool = new Pool(url.origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      // Long calls are bounded by our own timer (timeoutMs), not by undici's defaults of 300 s.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.#signer = deps.signer;
    this.#clientInfo = deps.clientInfo;
  }

  /** The `_meta` envelope the gateway adds to requests it originates (modern era requires one per request). */
  envelope(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      [META.protocolVersion]: MODERN_PROTOCOL_VERSION,
      [META.clientInfo]: this.#clientInfo,
      [META.clientCapabilities]: {},
      ...extra,
    };
  }

  /**
   * Sends one JSON-RPC message and delivers the upstream's messages as they arrive; resolves with the
   * response. Failures to reach the upstream reject with a SwitchboardError naming the upstream.
   */
  async exchange(message: JsonRpcRequest, options: ExchangeOptions): Promise<JsonRpcResponse> {
    if (!this.breaker.allow()) {
      throw new SwitchboardError(
        'UPSTREAM_UNAVAILABLE',
        `The ${this.name} server is unavailable (it failed repeatedly; the gateway is giving it a moment). Retry in ${this.breaker.retryAfterS()} s.`,
        { retryAfterS: this.breaker.retryAfterS(), context: { upstream: this.name } },
      );
    }
    const params = message.params ?? {};
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
      'mcp-method': message.method,
      authorization: `Bearer ${await this.#signer.sign(options.caller, this.name)}`,
    };
    const nameHeader = message.method === 'resources/read' ? params['uri'] : params['name'];
    if (typeof nameHeader === 'string' && /^[\x20-\x7e]*$/.test(nameHeader)) headers['mcp-name'] = nameHeader;

    let response: JsonRpcResponse | undefined;
    try {
      // undici's own timers bound the call (no per-call AbortSignal.timeout: timers and signal composition
      // were a measurable share of the hot path). The body timeout is the longest silence, so a long call
      // that streams progress is not cut, as MCP's resetTimeoutOnProgress intends.
      const timeoutMs = options.timeoutMs ?? this.config.timeout_ms ?? 330_000;
      const res = await this.#pool.request({
        path: this.#path,
        method: 'POST',
        headers,
        body: JSON.stringify(message),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const contentType = String(res.headers['content-type'] ?? '');
      if (res.statusCode >= 500 || res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 404) {
        res.body.setEncoding('utf8');
        const text = await collect(res.body);
        this.breaker.failure();
        throw upstreamHttpError(this.name, res.statusCode, text);
      }
      if (contentType.includes('text/event-stream')) {
        options.onStart?.('sse');
        res.body.setEncoding('utf8');
        const parser = new SseParser((data) => {
          const parsed = parseJson(data);
          if (parsed === undefined) return;
          if (isResponse(parsed)) response = parsed;
          else options.onMessage?.(parsed as JsonRpcMessage);
        });
        for await (const chunk of res.body) {
          parser.push(chunk as string);
          // The response ends the exchange even if the upstream keeps the stream open a little longer.
          if (response !== undefined) break;
        }
        if (response === undefined) parser.end();
      } else {
        options.onStart?.('json');
        const parsed = parseJson(await res.body.text());
        if (isResponse(parsed)) response = parsed;
      }
    } catch (error) {
      if (error instanceof SwitchboardError) throw error;
      if (options.signal?.aborted)
        throw new SwitchboardError('INTERNAL', 'cancelled', { context: { upstream: this.name } });
      this.breaker.failure();
      this.state = 'down';
      this.lastError = describe(error);
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
        throw new SwitchboardError('UPSTREAM_TIMEOUT', `The ${this.name} server did not answer in time.`, {
          retryAfterS: 5,
          context: { upstream: this.name },
        });
      }
      throw new SwitchboardError(
        'UPSTREAM_UNAVAILABLE',
        `The ${this.name} server cannot be reached (${this.lastError}).`,
        {
          retryAfterS: this.breaker.retryAfterS(),
          context: { upstream: this.name },
          cause: error,
        },
      );
    }
    if (response === undefined) {
      this.breaker.failure();
      throw new SwitchboardError('UPSTREAM_ERROR', `The ${this.name} server answered without a JSON-RPC response.`, {
        context: { upstream: this.name },
      });
    }
    this.breaker.success();
    this.state = 'ready';
    return response;
  }

  /** A request the gateway originates for itself (discovery, list refresh), returning the result. */
  async request(method: string, params: Record<string, unknown> = {}, caller: Caller = SERVICE_CALLER) {
    const response = await this.exchange(
      { jsonrpc: '2.0', id: `gw-${nextId++}`, method, params: { ...params, _meta: this.envelope() } },
      { caller, timeoutMs: 15_000 },
    );
    if (response.error !== undefined) {
      throw new SwitchboardError('UPSTREAM_ERROR', response.error.message, {
        context: { upstream: this.name, jsonRpcCode: response.error.code, jsonRpcData: response.error.data },
      });
    }
    return response.result ?? {};
  }

  /** Pages through a list method (tools/list, prompts/list, …) and returns every item, untouched. */
  async listAll(method: string, key: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.request(method, cursor === undefined ? {} : { cursor });
      const list = result[key];
      if (Array.isArray(list)) items.push(...list.filter(isObject));
      cursor = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (cursor === undefined) break;
    }
    return items;
  }

  /**
   * Opens a `subscriptions/listen` stream for list changes and calls `onEvent` for each notification until
   * the stream ends or `signal` aborts. Resolves when the stream ends (the caller reconnects).
   */
  async listen(
    filter: Record<string, unknown>,
    onEvent: (method: string, params: unknown) => void,
    signal: AbortSignal,
  ) {
    const res = await this.#pool.request({
      path: this.#path,
      method: 'POST',
      signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream, application/json',
        'mcp-protocol-version': MODERN_PROTOCOL_VERSION,
        'mcp-method': 'subscriptions/listen',
        authorization: `Bearer ${await this.#signer.sign(SERVICE_CALLER, this.name)}`,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: `gw-listen-${nextId++}`,
        method: 'subscriptions/listen',
        params: { notifications: filter, _meta: this.envelope() },
      }),
    });
    if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/event-stream')) {
      await collect(res.body);
      throw new Error(`subscriptions/listen answered HTTP ${res.statusCode}`);
    }
    res.body.setEncoding('utf8');
    const parser = new SseParser((data) => {
      const message = parseJson(data);
      if (isObject(message) && typeof message['method'] === 'string') onEvent(message['method'], message['params']);
    });
    try {
      for await (const chunk of res.body) parser.push(chunk as string);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  async close(): Promise<void> {
    await this.#pool.close().catch(() => this.#pool.destroy());
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function collect(body: AsyncIterable<unknown>, limit = 1024 * 1024): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += chunk as string;
    if (text.length > limit) break;
  }
  return text;
}

function upstreamHttpError(upstream: string, status: number, text: string): SwitchboardError {
  if (status === 401 || status === 403) {
    return new SwitchboardError(
      'UPSTREAM_AUTH',
      `The ${upstream} server refused the gateway's caller assertion (HTTP ${status}); check that CALLER_ASSERTION_SECRET is the same on the gateway and the tool server.`,
      { context: { upstream, upstreamStatus: status } },
    );
  }
  const detail = text.length > 0 && text.length < 300 ? `: ${text.replace(/\s+/g, ' ').trim()}` : '';
  return new SwitchboardError('UPSTREAM_ERROR', `The ${upstream} server answered HTTP ${status}${detail}.`, {
    retryAfterS: 5,
    context: { upstream, upstreamStatus: status },
  });
}

function describe(error: unknown): string {
  if (error instanceof undiciErrors.UndiciError) return error.code;
  if (isObject(error) && typeof error['code'] === 'string') return error['code'];
  return error instanceof Error ? error.message : String(error);
}
