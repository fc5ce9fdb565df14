import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { type Caller, CallerAssertionError, CallerAssertionVerifier } from '@switchboard/caller-assertion';
import { asSwitchboardError, toProblemDetail, toToolErrorResult } from '@switchboard/errors';
import { pipeAnswer, requestHeaders, serveFetch } from '@switchboard/fetch-bridge';
import Fastify, { type FastifyInstance } from 'fastify';
import { convertedOnce } from './converted-once.ts';
import type { ToolContext, ToolDefinition } from './define-tool.ts';
import { createToolMetrics, type ToolMetrics } from './tool-metrics.ts';

export interface ToolServerOptions {
  name: string;
  version: string;
  /** Shown to the model once per connection; say what the server is for and what it cannot do. */
  instructions?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tools are heterogeneous; each is type-checked by defineTool.
  tools: ToolDefinition<any, any>[];
  /** Secrets that verify the gateway's caller assertions (see @switchboard/caller-assertion). */
  assertionSecrets: string[];
  /** Extra state for `/readyz` (governor queues, upstream configuration). `ready: false` answers 503. */
  readiness?: () => Promise<{ ready: boolean; [key: string]: unknown }>;
  logLevel?: string;
  /** Called once on close (governor, Redis clients). */
  onClose?: () => Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    toolMetrics: ToolMetrics;
  }
}

/**
 * A tool server: an MCP endpoint (both protocol eras, stateless, so replicas need no affinity) that accepts
 * only calls carrying the gateway's caller assertion, plus `/healthz`, `/readyz` and `/metrics`.
 * Returns the app without listening; `runToolServer` listens.
 */
export function buildToolServer(options: ToolServerOptions): FastifyInstance {
  const app = Fastify({
    logger: {
      level: options.logLevel ?? 'info',
      redact: ['req.headers.authorization', 'req.headers["blotato-api-key"]'],
    },
    bodyLimit: 4 * 1024 * 1024,
    // Long tool calls (video uploads, waits on post status) must not be cut by the server: Claude allows 300 s.
    requestTimeout: 0,
  });
  const metrics = createToolMetrics(options.name);
  app.decorate('toolMetrics', metrics);
  const verifier = new CallerAssertionVerifier({ secrets: options.assertionSecrets, audience: options.name });

  const byName = new Map(options.tools.map((tool) => [tool.name, tool]));
  const handler = createMcpHandler(({ authInfo }) => {
    const caller = authInfo?.extra?.['caller'] as Caller;
    // The SDK builds a server per request; a tools/call needs only its own tool registered (an unknown name
    // gets them all, so the SDK's own "not found" answer is unchanged): blotato's 16 tools cost 71 µs, one 21 µs.
    const called = byName.get(authInfo?.extra?.['calledTool'] as string);
    return buildMcpServer(options, called === undefined ? options.tools : [called], caller, metrics);
  });

  app.all('/mcp', async (request, reply) => {
    let caller: Caller;
    try {
      caller = await verifier.verify(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof CallerAssertionError)) throw error;
      return reply
        .code(401)
        .type('application/problem+json')
        .send({
          ...toProblemDetail(asSwitchboardError(error)),
          code: 'UNAUTHENTICATED',
          status: 401,
          detail: error.message,
        });
    }
    const authInfo = {
      token: 'caller-assertion',
      clientId: caller.keyId,
      scopes: [...caller.scopes],
      extra: { caller, calledTool: calledToolOf(request.body) },
    };
    const forwarded = {
      url: `http://${request.headers.host ?? 'localhost'}${request.url}`,
      method: request.method,
      headers: requestHeaders(request.headers),
      body: request.body,
      authInfo,
    };
    let answered: boolean;
    try {
      answered = await serveFetch(handler, reply.raw, forwarded, (response, body) => {
        reply.hijack();
        return pipeAnswer(reply.raw, response, body);
      });
    } catch (error) {
      // The SDK's handler answers protocol failures itself; a throw is a bug, answered as JSON-RPC, not leaked.
      request.log.error({ err: error }, 'MCP handler failed');
      const body = request.body as { id?: unknown } | undefined;
      const id = typeof body?.id === 'string' || typeof body?.id === 'number' ? body.id : null;
      return reply.code(500).send({ jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error' } });
    }
    if (!answered) reply.hijack();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const state = options.readiness === undefined ? { ready: true } : await options.readiness();
    return reply.code(state.ready ? 200 : 503).send({ status: state.ready ? 'ready' : 'not ready', ...state });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.addHook('onClose', async () => {
    await handler.close?.();
    await options.onClose?.();
  });
  return app;
}

/** The tool a `tools/call` body names, if it is one. */
function calledToolOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { method, params } = body as { method?: unknown; params?: { name?: unknown } };
  return method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined;
}

function buildMcpServer(
  options: ToolServerOptions,
  tools: ToolServerOptions['tools'],
  caller: Caller,
  metrics: ToolMetrics,
): McpServer {
  const server = new McpServer(
    { name: options.name, version: options.version },
    {
      capabilities: { logging: {} },
      ...(options.instructions === undefined ? {} : { instructions: options.instructions }),
    },
  );
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: convertedOnce(tool.inputSchema),
        outputSchema: convertedOnce(tool.outputSchema),
        annotations: tool.annotations,
      },
      async (args: unknown, ctx) => {
        const started = performance.now();
        const progressToken = ctx.mcpReq._meta?.progressToken;
        const toolCtx: ToolContext = {
          caller,
          signal: ctx.mcpReq.signal,
          progress: async (progress, total, message) => {
            if (progressToken === undefined) return;
            await ctx.mcpReq.notify({
              method: 'notifications/progress',
              params: {
                progressToken,
                progress,
                ...(total === undefined ? {} : { total }),
                ...(message ? { message } : {}),
              },
            });
          },
          log: async (level, message) => {
            await ctx.mcpReq.log(level, message, options.name).catch(() => {});
          },
        };
        try {
          const output = await tool.handler(args, toolCtx);
          metrics.calls.inc({ tool: tool.name, outcome: 'ok' });
          return { content: [{ type: 'text', text: output.text }], structuredContent: output.structured };
        } catch (error) {
          const failure = asSwitchboardError(error);
          metrics.calls.inc({ tool: tool.name, outcome: failure.code });
          return toToolErrorResult(failure, { hasOutputSchema: tool.outputSchema !== undefined });
        } finally {
          metrics.duration.observe({ tool: tool.name }, (performance.now() - started) / 1000);
        }
      },
    );
  }
  return server;
}
