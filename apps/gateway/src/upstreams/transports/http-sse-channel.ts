import type { Dispatcher } from 'undici';
import type { UpstreamCredentials } from '../credentials/upstream-credentials.ts';
import { collect, parseJson, upstreamAuthError, upstreamHttpError } from '../http-errors.ts';
import { asMessage, type JsonRpcMessage } from '../json-rpc.ts';
import { SERVICE_CALLER } from '../modern-http-link.ts';
import { SseParser } from '../sse-parser.ts';
import type { ChannelSendOptions, MessageChannel } from './message-channel.ts';

export interface HttpSseChannelDeps {
  name: string;
  pool: Dispatcher;
  /** The stream's URL (`GET /sse`). */
  url: URL;
  credentials: UpstreamCredentials;
}

/**
 * The deprecated HTTP+SSE transport (MCP 2024-11-05): a GET opens the server's event stream, whose first
 * `endpoint` event names the URL to POST messages to; every answer, for any request, comes on the stream.
 * The session lives as long as the stream, so a dropped stream is a lost session.
 */
export class HttpSseChannel implements MessageChannel {
  onMessage: (message: JsonRpcMessage) => void = () => {};
  onClose: (reason: string) => void = () => {};
  readonly #deps: HttpSseChannelDeps;
  #endpoint: string | undefined;
  #stream: AbortController | undefined;

  constructor(deps: HttpSseChannelDeps) {
    this.#deps = deps;
  }

  async open(): Promise<void> {
    const { pool, url, credentials, name } = this.#deps;
    this.#stream?.abort();
    const stream = new AbortController();
    this.#stream = stream;
    const res = await pool.request({
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      signal: stream.signal,
      headers: { ...(await credentials.headers(SERVICE_CALLER)), accept: 'text/event-stream' },
      headersTimeout: 15_000,
      bodyTimeout: 0,
    });
    res.body.setEncoding('utf8');
    if (res.statusCode === 401 || res.statusCode === 403) {
      await collect(res.body);
      throw upstreamAuthError(name, res.statusCode, credentials.hint);
    }
    if (res.statusCode !== 200 || !String(res.headers['content-type']).includes('text/event-stream')) {
      throw upstreamHttpError(name, res.statusCode, await collect(res.body));
    }
    let announce: ((endpoint: string) => void) | undefined;
    const endpoint = new Promise<string>((resolve) => (announce = resolve));
    const parser = new SseParser((data, event) => {
      if (event === 'endpoint') return announce?.(new URL(data.trim(), url).toString());
      const parsed = parseJson(data);
      const message = asMessage(parsed);
      if (message !== undefined) this.onMessage(message);
    });
    const body = res.body;
    void (async () => {
      try {
        for await (const chunk of body) parser.push(chunk as string);
      } catch {
        // Read errors end the stream like a close does.
      }
      if (this.#stream === stream && !stream.signal.aborted) this.onClose('the event stream closed');
    })();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('no endpoint event within 15 s')), 15_000).unref(),
    );
    const announced = new URL(await Promise.race([endpoint, timeout]));
    // The endpoint must be on the stream's origin: a server cannot make the gateway POST elsewhere.
    if (announced.origin !== url.origin) throw new Error(`endpoint ${announced.origin} is not on ${url.origin}`);
    this.#endpoint = `${announced.pathname}${announced.search}`;
  }

  async send(message: JsonRpcMessage, options: ChannelSendOptions): Promise<void> {
    const { pool, credentials, name } = this.#deps;
    if (this.#endpoint === undefined) throw new Error('the event stream is not open');
    const res = await pool.request({
      path: this.#endpoint,
      method: 'POST',
      headers: { ...(await credentials.headers(options.caller)), 'content-type': 'application/json' },
      body: JSON.stringify(message),
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    res.body.setEncoding('utf8');
    const text = await collect(res.body);
    if (res.statusCode === 401 || res.statusCode === 403)
      throw upstreamAuthError(name, res.statusCode, credentials.hint);
    if (res.statusCode >= 400) {
      if (res.statusCode === 404) this.onClose('the server no longer knows the session');
      throw upstreamHttpError(name, res.statusCode, text);
    }
  }

  async close(): Promise<void> {
    const stream = this.#stream;
    this.#stream = undefined;
    this.#endpoint = undefined;
    stream?.abort();
  }
}
