import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { readToolError, SwitchboardError, TOOL_ERROR_META_KEY } from '@switchboard/errors';
import { z } from 'zod';
import { buildToolServer } from './build-tool-server.ts';
import { defineTool } from './define-tool.ts';

const secret = 'x'.repeat(40);

const echo = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Echoes text back, with the caller key id.',
  inputSchema: z.object({ text: z.string(), fail: z.boolean().optional() }),
  outputSchema: z.object({ text: z.string(), keyId: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ text, fail }, ctx) {
    if (fail) throw new SwitchboardError('RATE_LIMITED', 'Slow down; retry in 3 s.', { retryAfterS: 3 });
    await ctx.progress(1, 1);
    return { structured: { text, keyId: ctx.caller.keyId }, text };
  },
});

const shout = defineTool({
  name: 'shout',
  title: 'Shout',
  description: 'Echoes text back in capitals.',
  inputSchema: z.object({ text: z.string() }),
  outputSchema: z.object({ text: z.string() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ text }) {
    return { structured: { text: text.toUpperCase() }, text: text.toUpperCase() };
  },
});

describe('tool server kit', () => {
  const app = buildToolServer({
    name: 'kit-test',
    version: '0.0.0',
    tools: [echo, shout],
    assertionSecrets: [secret],
    logLevel: 'silent',
  });
  let url: URL;
  before(async () => {
    url = new URL(`${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`);
  });
  after(() => app.close());

  async function connect(token: string | undefined) {
    const client = new Client({ name: 't', version: '1' }, { versionNegotiation: { mode: 'auto' } });
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
    return client;
  }

  it('serves tools to a caller holding a valid assertion, with structured output and the caller identity', async () => {
    const token = await new CallerAssertionSigner({ secrets: [secret] }).sign(
      { keyId: 'key_a', scopes: ['*'] },
      'kit-test',
    );
    const client = await connect(token);
    const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    assert.deepEqual(result.structuredContent, { text: 'hi', keyId: 'key_a' });
    await client.close();
  });

  it('lists every tool, calls each, and answers an unknown one as the SDK does (a call builds only its own tool)', async () => {
    const token = await new CallerAssertionSigner({ secrets: [secret] }).sign(
      { keyId: 'k', scopes: ['*'] },
      'kit-test',
    );
    const client = await connect(token);
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['echo', 'shout']);
    assert.deepEqual((await client.callTool({ name: 'shout', arguments: { text: 'hi' } })).structuredContent, {
      text: 'HI',
    });
    assert.deepEqual((await client.callTool({ name: 'echo', arguments: { text: 'hi' } })).structuredContent, {
      text: 'hi',
      keyId: 'k',
    });
    const unknown = await client.callTool({ name: 'nope', arguments: {} }).then(
      (result) => JSON.stringify(result),
      (error: Error) => error.message,
    );
    assert.match(unknown, /Tool nope not found/);
    await client.close();
  });

  it('answers a failing tool with an error result the SDK v1 client accepts despite the outputSchema', async () => {
    const token = await new CallerAssertionSigner({ secrets: [secret] }).sign(
      { keyId: 'key_a', scopes: ['*'] },
      'kit-test',
    );
    const v1 = new V1Client({ name: 't1', version: '1' });
    await v1.connect(new V1Transport(url, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    // v1 validates structuredContent against the outputSchema it saw in tools/list, error or not.
    await v1.listTools();
    const failed = await v1.callTool({ name: 'echo', arguments: { text: 'hi', fail: true } });
    assert.equal(failed.isError, true);
    assert.equal(failed.structuredContent, undefined, 'an error cannot match the outputSchema, so none is sent');
    assert.deepEqual(failed.content, [{ type: 'text', text: 'Slow down; retry in 3 s.' }]);
    const error = readToolError(failed);
    assert.equal(error?.code, 'RATE_LIMITED');
    assert.equal(error?.retry_after_s, 3);
    assert.ok(isRecord(failed._meta) && TOOL_ERROR_META_KEY in failed._meta);
    await v1.close();
  });

  it('refuses requests without an assertion, with the wrong audience, or signed with another secret', async () => {
    const wrongAudience = await new CallerAssertionSigner({ secrets: [secret] }).sign(
      { keyId: 'k', scopes: [] },
      'other',
    );
    const wrongSecret = await new CallerAssertionSigner({ secrets: ['y'.repeat(40)] }).sign(
      { keyId: 'k', scopes: [] },
      'kit-test',
    );
    for (const token of [undefined, wrongAudience, wrongSecret, 'garbage']) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { code: string }).code, 'UNAUTHENTICATED');
    }
  });

  it('answers a request the SDK handler cannot be given (a Host no URL can hold) with a JSON-RPC error', async () => {
    const token = await new CallerAssertionSigner({ secrets: [secret] }).sign({ keyId: 'k', scopes: [] }, 'kit-test');
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: {
            host: 'bad host',
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(answer.status, 500);
    assert.deepEqual(JSON.parse(answer.text), {
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32603, message: 'Internal error' },
    });
  });
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
