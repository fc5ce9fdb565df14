import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

export interface FetchHandler {
  fetch(request: Request, options?: { authInfo?: unknown; parsedBody?: unknown }): Promise<Response>;
}

/** The answer's body, chunk by chunk; `undefined` at its end, or as soon as the client has hung up. */
export interface AnswerBody {
  next(): Promise<Uint8Array | undefined>;
}

export interface FetchRequest {
  url: string;
  method: string;
  headers: Headers;
  /** The body as the server framework parsed it: handed over as `parsedBody`, serialised once for the Request. */
  body?: unknown;
  authInfo?: unknown;
}

/**
 * Calls `handler` with a web `Request` that carries no `AbortSignal` (see the README: with one, everything the
 * handler attaches to the request outlived young-generation GC), then hands its answer to `write`. A client
 * that hangs up cancels the answer's body, which is how the handler learns of it; if it hung up before the
 * handler answered, the answer is cancelled unread and `write` is not called. Resolves with whether `write`
 * ran. A handler that throws rejects, before anything is written, so the caller's error handling answers.
 */
export async function serveFetch(
  handler: FetchHandler,
  res: ServerResponse,
  request: FetchRequest,
  write: (response: Response, body: AnswerBody) => Promise<void> | void,
): Promise<boolean> {
  let gone = false;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  res.on('close', () => {
    if (res.writableFinished) return;
    gone = true;
    reader?.cancel().catch(() => {});
  });
  const text = request.method === 'GET' || request.body === undefined ? undefined : JSON.stringify(request.body);
  const response = await handler.fetch(
    new Request(request.url, {
      method: request.method,
      headers: request.headers,
      ...(text === undefined ? {} : { body: text }),
    }),
    {
      ...(request.authInfo === undefined ? {} : { authInfo: request.authInfo }),
      ...(request.body === undefined ? {} : { parsedBody: request.body }),
    },
  );
  if (gone) {
    await response.body?.cancel().catch(() => {});
    return false;
  }
  const stream = response.body;
  const body: AnswerBody = {
    async next() {
      if (stream === null || gone) return undefined;
      reader ??= stream.getReader();
      try {
        const chunk = await reader.read();
        return chunk.done || gone ? undefined : chunk.value;
      } catch {
        return undefined;
      }
    },
  };
  await write(response, body);
  return true;
}

/** Writes an answer as it is: its status and headers (with `extra`), then its body, with backpressure. */
export async function pipeAnswer(
  res: ServerResponse,
  response: Response,
  body: AnswerBody,
  extra: Record<string, string> = {},
): Promise<void> {
  res.writeHead(response.status, answerHeaders(response, extra));
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) res.flushHeaders();
  for (let chunk = await body.next(); chunk !== undefined; chunk = await body.next()) {
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  res.end();
}

/** The answer's headers with `extra` under them, less its length (the body may be rewritten or streamed). */
export function answerHeaders(response: Response, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  for (const [name, value] of response.headers) if (name !== 'content-length') headers[name] = value;
  return headers;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** A Node request's headers as web `Headers`; length and framing go, since the body is serialised anew. */
export function requestHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || name === 'content-length' || name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}
