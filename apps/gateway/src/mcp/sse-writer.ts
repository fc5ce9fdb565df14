import type { ServerResponse } from 'node:http';

/**
 * Writes one response as a `text/event-stream`: headers at once, each message as an `event: message`, and a
 * comment every 15 s so proxies and clients do not time out a long tool call.
 */
export class SseWriter {
  readonly #res: ServerResponse;
  readonly #keepAlive: NodeJS.Timeout;

  constructor(res: ServerResponse, status: number, headers: Record<string, string>, keepAliveMs = 15_000) {
    this.#res = res;
    res.writeHead(status, {
      ...headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    this.#keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
    this.#keepAlive.unref();
  }

  send(message: unknown): void {
    this.#res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  end(): void {
    clearInterval(this.#keepAlive);
    this.#res.end();
  }
}
