import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { type FetchHandler, pipeAnswer, requestHeaders, serveFetch } from './serve-fetch.ts';

/**
 * The handler learns that a client went away through the answer's body being cancelled (no AbortSignal rides
 * on the web Request: see the README). These run over a real socket, since only a real client can hang up.
 */
describe('serveFetch', () => {
  let app: FastifyInstance;
  let url: URL;
  /** What the next request's handler does. */
  let handler: FetchHandler;
  /** The server side of the latest request, to wait for its hang-up as an event. */
  let latest: ServerResponse | undefined;

  before(async () => {
    app = Fastify();
    app.post('/mcp', async (req, reply) => {
      latest = reply.raw;
      const forwarded = {
        url: `http://x${req.url}`,
        method: req.method,
        headers: requestHeaders(req.headers),
        body: req.body,
      };
      const answered = await serveFetch(handler, reply.raw, forwarded, (response, body) => {
        reply.hijack();
        return pipeAnswer(reply.raw, response, body);
      });
      if (!answered) reply.hijack();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = new URL(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/mcp`);
  });
  after(() => app.close());

  /** An SSE answer that sends one event and then stays open, recording whether it was cancelled. */
  function openStream() {
    let cancelled!: () => void;
    const cancel = new Promise<void>((resolve) => (cancelled = resolve));
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode('event: message\ndata: {}\n\n')),
      cancel: () => cancelled(),
    });
    const response = new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    return { response, cancel };
  }

  /** POSTs and resolves once the first bytes of the answer arrive; `hangUp` then closes the connection. */
  function post(): Promise<{ status: number; first: string; hangUp: () => void }> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', (chunk: Buffer) =>
          resolve({ status: res.statusCode ?? 0, first: chunk.toString(), hangUp: () => req.destroy() }),
        );
      });
      req.on('error', () => {});
      req.once('error', reject);
      req.end('{"jsonrpc":"2.0","id":1,"method":"subscriptions/listen"}');
    });
  }

  it('hands the handler a Request whose signal a hang-up does not abort, and relays its stream', async () => {
    const stream = openStream();
    let seen: Request | undefined;
    handler = {
      fetch: async (webRequest) => {
        seen = webRequest;
        return stream.response;
      },
    };
    const answer = await post();
    assert.equal(answer.status, 200);
    assert.match(answer.first, /^event: message/);
    assert.ok(seen !== undefined);
    assert.equal(((await seen.json()) as { method: string }).method, 'subscriptions/listen');
    answer.hangUp();
    await stream.cancel;
    // Tied to the client's connection (as a signal passed to the Request would be), it would now be aborted.
    assert.equal(seen.signal.aborted, false);
  });

  it('cancels an open stream when the client hangs up', async () => {
    const stream = openStream();
    handler = { fetch: async () => stream.response };
    const answer = await post();
    answer.hangUp();
    // Resolves only through the stream's cancel callback; the test times out if the hang-up is lost.
    await stream.cancel;
  });

  it('cancels an answer that arrives after the client has gone', async () => {
    const stream = openStream();
    let answerNow!: () => void;
    const answered = new Promise<void>((resolve) => (answerNow = resolve));
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    handler = {
      fetch: async () => {
        arrived();
        await answered;
        return stream.response;
      },
    };
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.end('{"jsonrpc":"2.0","id":2,"method":"subscriptions/listen"}');
    await requestArrived;
    const hungUp = once(latest!, 'close');
    req.destroy();
    await hungUp;
    answerNow();
    await stream.cancel;
  });
});
