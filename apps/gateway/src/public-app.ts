import { SwitchboardError, toJsonRpcError } from '@switchboard/errors';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { healthRoutes, type ReadinessReport } from './health/health-routes.ts';
import { type McpRoutesOptions, mcpRoutes } from './mcp/mcp-routes.ts';

export interface PublicAppOptions {
  mcp: McpRoutesOptions;
  readiness: () => Promise<ReadinessReport>;
  logLevel: string;
  /** Fastify `trustProxy`: the peers whose X-Forwarded-* headers are believed. */
  trustProxy: boolean | string[];
  /** Further route groups on the public listener (OAuth front door, account connect flows). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** Hooks for every route, added before any route group (e.g. the OAuth step-up challenge on `/mcp`). */
  hooks?: ((app: FastifyInstance) => void)[];
}

/**
 * The public listener: `/mcp`, health, and the browser-facing flows. Built without listening; `main.ts`
 * listens. Admin routes are never registered here (they have their own listener).
 */
export async function buildPublicApp(options: PublicAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: options.logLevel,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["mcp-session-id"]'],
        censor: '[redacted]',
      },
    },
    // Tool calls may run for minutes (Claude allows 300 s); the relay bounds them itself.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    trustProxy: options.trustProxy,
    // Per-request log lines would cost more than the relay itself; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  for (const addHooks of options.hooks ?? []) addHooks(app);
  await app.register(healthRoutes, { readiness: options.readiness });
  await app.register(mcpRoutes, options.mcp);
  // Any other method on /mcp is a 405 with Allow (RFC 9110 §15.5.6) and a JSON-RPC error, as every other
  // refusal there; answered before the body is parsed (Fastify's default 404 or 415 bodies are not JSON-RPC).
  app.route({
    method: ['PUT', 'PATCH', 'OPTIONS'],
    url: '/mcp',
    onRequest: async (_request, reply) =>
      reply
        .code(405)
        .header('allow', 'GET, POST, DELETE')
        .type('application/json')
        .send(toJsonRpcError(new SwitchboardError('INVALID_REQUEST', '/mcp takes POST, GET and DELETE.'))),
    handler: async () => undefined,
  });
  for (const plugin of options.plugins ?? []) await app.register(plugin);
  return app;
}
