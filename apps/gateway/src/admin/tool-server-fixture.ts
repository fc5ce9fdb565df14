import { createServer, type Server as HttpServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { CallerAssertionVerifier } from '@switchboard/caller-assertion';
import { SwitchboardError, toToolErrorResult } from '@switchboard/errors';
import { z } from 'zod';

/**
 * Test-only: a tool server as the admin API meets it, on port 0. `/mcp` (official SDK) lists a read-only
 * `lookup`, a read-only `needs_account` that answers CONNECT_REQUIRED as our Google servers do, and a
 * `publish` that is not read-only; `/internal/keys/:id/grant` answers like our Google servers' routes,
 * verifying the gateway's caller assertion.
 */
export interface ToolServerFixture {
  name: string;
  url: string;
  /** Arguments `lookup` was called with. */
  lookups: Record<string, unknown>[];
  /** Calls of `publish` (there must be none). */
  published: number;
  /** Key id → linked email. */
  accounts: Map<string, string>;
  close(): Promise<void>;
}

export async function startToolServerFixture(options: { name: string; secret: string }): Promise<ToolServerFixture> {
  const lookups: Record<string, unknown>[] = [];
  const accounts = new Map<string, string>();
  const fixture = { published: 0 };
  const verifier = new CallerAssertionVerifier({ secrets: [options.secret], audience: options.name });
  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: options.name, version: '1.0.0' });
    server.registerTool(
      'lookup',
      { description: 'Looks a word up', inputSchema: z.object({ word: z.string() }), annotations: readOnly },
      async (args) => {
        lookups.push(args);
        return { content: [{ type: 'text', text: `${args.word}: found` }] };
      },
    );
    server.registerTool(
      'needs_account',
      { description: 'Needs a linked account', inputSchema: z.object({}), annotations: readOnly },
      async () =>
        toToolErrorResult(new SwitchboardError('CONNECT_REQUIRED', 'Connect your account first.'), {
          hasOutputSchema: false,
        }),
    );
    server.registerTool(
      'publish',
      { description: 'Publishes', inputSchema: z.object({}), annotations: { ...readOnly, readOnlyHint: false } },
      async () => {
        fixture.published++;
        return { content: [{ type: 'text', text: 'published' }] };
      },
    );
    return server;
  });
  const mcp = toNodeHandler(handler);
  const http: HttpServer = createServer((req, res) => {
    const match = /^\/internal\/keys\/([^/]+)\/grant$/.exec(req.url ?? '');
    if (match === null) {
      void mcp(req, res);
      return;
    }
    const keyId = decodeURIComponent(match[1] ?? '');
    void verifier.verify(req.headers.authorization).then(
      (caller) => {
        if (caller.keyId !== keyId) return send(res, 403, { code: 'FORBIDDEN' });
        const email = accounts.get(keyId);
        if (req.method === 'GET') {
          return send(
            res,
            200,
            email === undefined
              ? { linked: false, mode: 'per-caller' }
              : { linked: true, mode: 'per-caller', email, status: 'active', linked_at: '2026-01-02T03:04:05.000Z' },
          );
        }
        if (req.method === 'DELETE') {
          if (email === undefined) return send(res, 404, { code: 'NOT_FOUND' });
          accounts.delete(keyId);
          return send(res, 204, undefined);
        }
        return send(res, 405, { code: 'METHOD_NOT_ALLOWED' });
      },
      () => send(res, 401, { code: 'UNAUTHENTICATED' }),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    name: options.name,
    url: `http://127.0.0.1:${port}/mcp`,
    lookups,
    get published() {
      return fixture.published;
    },
    accounts,
    async close() {
      await handler.close?.();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}
