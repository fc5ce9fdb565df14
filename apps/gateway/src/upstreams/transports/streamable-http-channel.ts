import type { Dispatcher } from 'undici';
import type { UpstreamCredentials } from '../credentials/upstream-credentials.ts';
import { collect, parseJson, upstreamAuthError, upstreamHttpError } from '../http-errors.ts';
import { asMessage, isResponse, type JsonRpcMessage } from '../json-rpc.ts';
import { SseParser } from '../sse-parser.ts';
import { type ChannelSendOptions, type MessageChannel, SessionExpiredError } from './message-channel.ts';

export interface StreamableHttpChannelDeps {
  name: string;
  pool: Dispatcher;
  path: string;
  credentials: UpstreamCredentials;
  defaultTimeoutMs: number;
}

/**
 * Streamable HTTP in the 2025 era (2025-03-26 … 2025-11-25): every message is a POST carrying the
 * `Mcp-Session-Id` the server gave at `initialize`; a request's answer comes as JSON or on an SSE stream with
 * the messages that belong to it; a GET stream carries the rest. One session per replica, shared by every call.
 */
export class StreamableHttpChannel implements MessageChannel {
  onMessage: (message: JsonRpcMessage) => void = () => {};
  onClose: (reason: string) => void = () => {};
  readonly #deps: StreamableHttpChannelDeps;
  #sessionId: string | undefined;
  #protocolVersion: string | undefined;

  constructor(deps: StreamableHttpChannelDeps) {
    this.#deps = deps;
  }

  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Nothing to open: the session starts with the `initialize` POST, which carries no session id. */
  async open(): Promise<void> {}

  negotiated(protocolVersion: string): void {
    this.#protocolVersion = protocolVersion;
  }

  async send(message: JsonRpcMessage, options: ChannelSendOptions): Promise<void> {
    const deps = this.#deps;
    const isRequest = 'method' in message && 'id' in message;
    // A new session starts with an initialize that names no session (requests in flight keep the old id).
    const initializing = isRequest && (message as { method: string }).method === 'initialize';
    const usedSession = initializing ? undefined : this.#sessionId;
    const timeoutMs = options.timeoutMs ?? deps.defaultTimeoutMs;
    const res = await deps.pool.request({
      path: deps.path,
      method: 'POST',
      headers: await this.#headers(
        options.caller,
        {
          'content-type': 'application/json',
          // 2025-era servers refuse a POST whose Accept does not list both (the SDK answers 406).
          accept: 'application/json, text/event-stream',
        },
        !initializing,
      ),
      body: JSON.stringify(message),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const sessionId = res.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && sessionId !== '') this.#sessionId = sessionId;
    const contentType = String(res.headers['content-type'] ?? '');
    res.body.setEncoding('utf8');
    if (res.statusCode === 202 || res.statusCode === 204) {
      await collect(res.body);
      return;
    }
    if (res.statusCode >= 400) {
      const text = await collect(res.body);
      if (res.statusCode === 401 || res.statusCode === 403)
        throw upstreamAuthError(deps.name, res.statusCode, deps.credentials.hint);
      if (usedSession !== undefined && isSessionLoss(res.statusCode, text)) {
        throw new SessionExpiredError(`HTTP ${res.statusCode}`, usedSession);
      }
      // A JSON-RPC error for our request (a 400 for bad params, say) is its answer.
      const parsed = parseJson(text);
      if (isResponse(parsed) && isRequest && parsed.id === (message as { id: unknown }).id)
        return (options.onMessage ?? this.onMessage)(parsed);
      throw upstreamHttpError(deps.name, res.statusCode, text);
    }
    const deliver = options.onMessage ?? this.onMessage;
    if (!contentType.includes('text/event-stream')) {
      const parsed = parseJson(await collect(res.body, 64 * 1024 * 1024));
      for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
        const message = asMessage(item);
        if (message !== undefined) deliver(message);
      }
      return;
    }
    const body = res.body;
    await new Promise<void>((resolve, reject) => {
      let answered = false;
      const parser = new SseParser((data) => {
        const parsed = asMessage(parseJson(data));
        if (parsed === undefined || answered) return;
        if (isResponse(parsed) && isRequest && parsed.id === (message as { id: unknown }).id) answered = true;
        deliver(parsed);
        // The response ends the exchange even if the server keeps the stream open a little longer; the rest
        // is drained, not destroyed (breaking out of the stream's iterator aborts it and builds a stack each time).
        if (answered) {
          resolve();
          body.dump().catch(() => {});
        }
      });
      body.on('data', (chunk: string) => parser.push(chunk));
      body.once('end', () => {
        if (!answered) parser.end();
        resolve();
      });
      body.once('error', (error) => (answered ? resolve() : reject(error)));
    });
  }

  async listen(signal: AbortSignal): Promise<'ended' | 'unsupported'> {
    const listened = this.#sessionId;
    if (listened === undefined) return 'unsupported';
    const res = await this.#deps.pool.request({
      path: this.#deps.path,
      method: 'GET',
      signal,
      headers: await this.#headers({ keyId: 'gateway', scopes: ['*'] }, { accept: 'text/event-stream' }),
      headersTimeout: 15_000,
      // A quiet stream is normal; the server's keep-alives are not required to come in any bound.
      bodyTimeout: 0,
    });
    res.body.setEncoding('utf8');
    if (res.statusCode === 404) {
      await collect(res.body);
      throw new SessionExpiredError('HTTP 404 on the GET stream', listened);
    }
    if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/event-stream')) {
      await collect(res.body);
      return 'unsupported';
    }
    const parser = new SseParser((data) => {
      const parsed = parseJson(data);
      const message = asMessage(parsed);
      if (message !== undefined) this.onMessage(message);
    });
    try {
      for await (const chunk of res.body) parser.push(chunk as string);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
    return 'ended';
  }

  /** Ends the session upstream (DELETE), so a server that keeps per-session state can free it. */
  async close(): Promise<void> {
    const sessionId = this.#sessionId;
    this.#sessionId = undefined;
    if (sessionId === undefined) return;
    try {
      const res = await this.#deps.pool.request({
        path: this.#deps.path,
        method: 'DELETE',
        headers: {
          ...(await this.#deps.credentials.headers({ keyId: 'gateway', scopes: ['*'] })),
          'mcp-session-id': sessionId,
          ...(this.#protocolVersion === undefined ? {} : { 'mcp-protocol-version': this.#protocolVersion }),
        },
        headersTimeout: 2_000,
        bodyTimeout: 2_000,
      });
      await res.body.dump();
    } catch {
      // Best effort: the server may already be gone, and its sessions with it.
    }
  }

  async #headers(
    caller: ChannelSendOptions['caller'],
    base: Record<string, string>,
    inSession = true,
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...(await this.#deps.credentials.headers(caller)), ...base };
    if (!inSession) return headers;
    if (this.#sessionId !== undefined) headers['mcp-session-id'] = this.#sessionId;
    if (this.#protocolVersion !== undefined) headers['mcp-protocol-version'] = this.#protocolVersion;
    return headers;
  }
}

/**
 * The spec answers an unknown session with 404; the SDK's widely copied example answers 400 "No valid session
 * ID provided". Either way the request was refused before it ran.
 */
function isSessionLoss(status: number, text: string): boolean {
  if (status === 404) return true;
  return status === 400 && /session/i.test(text);
}
