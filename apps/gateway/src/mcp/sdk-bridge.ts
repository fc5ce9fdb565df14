import type { FastifyReply, FastifyRequest } from 'fastify';
import { SseParser } from '../upstreams/sse-parser.ts';
import type { AcceptedForms } from './accept.ts';

export interface FetchHandler {
  fetch(request: Request, options?: { authInfo?: unknown; parsedBody?: unknown }): Promise<Response>;
}

export interface BridgeOptions {
  body: unknown;
  authInfo: unknown;
  accept: AcceptedForms;
  /** Headers every response carries (rate limits, session id). */
  headers: Record<string, string>;
  /** Overrides the client's `MCP-Protocol-Version` (a legacy session's negotiated version). */
  protocolVersion?: string;
}

/**
 * Hands one request to an SDK handler (web `Request` in, `Response` out) and writes its answer to the Node
 * response. Two repairs on the way, for clients seen in the wild: the SDK requires `Accept` to list both
 * JSON and SSE, so it is presented that way, and an SSE answer is collapsed to its JSON-RPC response when
 * the client accepts only JSON.
 */
export async function serveWithSdk(
  handler: FetchHandler,
  request: FastifyRequest,
  reply: FastifyReply,
  options: BridgeOptions,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  headers.set('accept', 'application/json, text/event-stream');
  if (options.protocolVersion !== undefined) headers.set('mcp-protocol-version', options.protocolVersion);
  // No `signal` on the web Request: undici then keeps the Request's own controller behind a WeakRef, which V8's
  // young-generation GC treats as strong, so everything the SDK hangs on `request.signal` for one request (its
  // server, its transport) survived into the old generation until the next full GC: ≈ 20 KiB per
  // `initialize`, 40 MiB of RSS for 1,000 sessions opened at once. A client that goes away is told to the SDK
  // by cancelling the answer's body instead, which tears its request down the same way.
  const res = reply.raw;
  let gone = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  res.on('close', () => {
    if (res.writableFinished) return;
    gone = true;
    reader?.cancel().catch(() => {});
  });
  const body = request.method === 'POST' ? JSON.stringify(options.body) : undefined;
  const webRequest = new Request(`http://${request.headers.host ?? 'localhost'}${request.url}`, {
    method: request.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const response = await handler.fetch(webRequest, {
    authInfo: options.authInfo,
    ...(options.body === undefined ? {} : { parsedBody: options.body }),
  });
  reply.hijack();
  if (gone) {
    await response.body?.cancel().catch(() => {});
    return;
  }

  const outHeaders: Record<string, string> = { ...options.headers };
  for (const [name, value] of response.headers) if (name !== 'content-length') outHeaders[name] = value;
  const isSse = (response.headers.get('content-type') ?? '').includes('text/event-stream');

  if (isSse && !options.accept.sse && response.body !== null) {
    let last: string | undefined;
    const parser = new SseParser((data) => {
      last = data;
    });
    const decoder = new TextDecoder();
    reader = response.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      parser.push(decoder.decode(chunk.value, { stream: true }));
    }
    if (gone) return;
    parser.end();
    outHeaders['content-type'] = 'application/json';
    res.writeHead(response.status, outHeaders);
    res.end(last ?? '');
    return;
  }

  res.writeHead(response.status, outHeaders);
  if (response.body === null) {
    res.end();
    return;
  }
  if (isSse) res.flushHeaders();
  reader = response.body.getReader();
  try {
    for (let chunk = await reader.read(); !chunk.done && !gone; chunk = await reader.read()) {
      if (!res.write(chunk.value)) {
        await new Promise((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
    }
  } catch {
    // The client went away mid-stream; nothing left to tell it.
  }
  res.end();
}
