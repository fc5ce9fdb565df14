import { answerHeaders, type FetchHandler, pipeAnswer, requestHeaders, serveFetch } from '@switchboard/fetch-bridge';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SseParser } from '../upstreams/sse-parser.ts';
import type { AcceptedForms } from './accept.ts';

export type { FetchHandler };

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
 * Hands one request to an SDK handler (web `Request` in, `Response` out; `@switchboard/fetch-bridge`, which
 * keeps per-request SDK objects out of the old generation) and writes its answer to the Node response. Two
 * repairs on the way, for clients seen in the wild: the SDK requires `Accept` to list both JSON and SSE, so it
 * is presented that way, and an SSE answer is collapsed to its JSON-RPC response when the client accepts only
 * JSON.
 */
export async function serveWithSdk(
  handler: FetchHandler,
  request: FastifyRequest,
  reply: FastifyReply,
  options: BridgeOptions,
): Promise<void> {
  const headers = requestHeaders(request.headers);
  headers.set('accept', 'application/json, text/event-stream');
  if (options.protocolVersion !== undefined) headers.set('mcp-protocol-version', options.protocolVersion);
  const res = reply.raw;
  const answered = await serveFetch(
    handler,
    res,
    {
      url: `http://${request.headers.host ?? 'localhost'}${request.url}`,
      method: request.method,
      headers,
      body: request.method === 'POST' ? options.body : undefined,
      authInfo: options.authInfo,
    },
    async (response, body) => {
      reply.hijack();
      const isSse = (response.headers.get('content-type') ?? '').includes('text/event-stream');
      if (!isSse || options.accept.sse) return pipeAnswer(res, response, body, options.headers);
      let last: string | undefined;
      const parser = new SseParser((data) => {
        last = data;
      });
      const decoder = new TextDecoder();
      for (let chunk = await body.next(); chunk !== undefined; chunk = await body.next()) {
        parser.push(decoder.decode(chunk, { stream: true }));
      }
      if (res.destroyed) return;
      parser.end();
      res.writeHead(response.status, {
        ...answerHeaders(response, options.headers),
        'content-type': 'application/json',
      });
      res.end(last ?? '');
    },
  );
  if (!answered) reply.hijack();
}
