import type { Writable } from 'node:stream';
import fastifySwagger from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { consolePlugin } from '../console/console-plugin.ts';
import { ConsoleSessions } from '../console/console-sessions.ts';
import { healthRoutes, type ReadinessReport } from '../health/health-routes.ts';
import type { KeyAuthenticator } from '../keys/key-authenticator.ts';
import type { KeyService } from '../keys/key-service.ts';
import type { ScopeCatalog } from '../keys/unmatched-scopes.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import type { CallCounters } from '../usage/call-counters.ts';
import { type AccountDirectory, accountRoutes } from './account-routes.ts';
import { adminAuthHook } from './admin-auth.ts';
import { auditRoutes } from './audit-routes.ts';
import { keyRoutes } from './key-routes.ts';
import { registerProblemHandlers } from './problem-handler.ts';
import { upstreamRoutes } from './upstream-routes.ts';
import { usageRoutes } from './usage-routes.ts';

export interface AdminAppDeps {
  keys: KeyService;
  authenticator: KeyAuthenticator;
  audit: AuditLog;
  /** Bootstrap admin bearer token (GATEWAY_ADMIN_TOKEN); at least 16 characters. */
  adminToken: string;
  /** Calls and refusals per tool/upstream of one key over the last `hours` (from the rate limiter). */
  usage: (keyId: string, hours: number) => Promise<Record<string, { calls: number; refused: number }>>;
  /** Configured upstreams and what they list, so a scope that grants nothing is refused; unset = not checked. */
  scopeCatalog?: (() => ScopeCatalog) | undefined;
  /** Per-minute and per-hour tools/call outcomes per key and upstream (`GET /usage`, the console's charts). */
  calls?: CallCounters | undefined;
  /** The upstreams this replica relays to (`GET /upstreams`, test calls). */
  registry?: UpstreamRegistry | undefined;
  /** Accounts keys linked on the tool servers (`/keys/{id}/accounts`); usually `LinkedAccounts`. */
  accounts?: AccountDirectory | undefined;
  logLevel?: string | undefined;
  /** Where logs go (default stdout); tests capture them here. */
  logStream?: Writable | undefined;
  /** Prometheus registry served at `/metrics` on this (internal) listener, e.g. prom-client's `Registry`. */
  metrics?: { contentType: string; metrics(): Promise<string> } | undefined;
  /** Served at `/readyz` (with `/healthz`) on this listener. */
  readiness?: (() => Promise<ReadinessReport>) | undefined;
  /** Further route groups under `/admin/v1`, behind the same admin authentication (OAuth clients, diagnostics). */
  plugins?: FastifyPluginAsync[] | undefined;
  /** Serve the browser console at `/console` (default true). */
  console?: boolean | undefined;
}

export interface AdminRoute {
  method: string;
  url: string;
  /** Answers without credentials: the OpenAPI document and the operational endpoints (health, metrics). */
  public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the admin API, so tests can prove each one is guarded. */
    adminRoutes: readonly AdminRoute[];
  }
}

export const ADMIN_PREFIX = '/admin/v1';

interface OperationLike {
  requestBody?: { required?: boolean };
}
const BODY_LIMIT = 16 * 1024;

/**
 * The admin REST API (its own listener; `main.ts` listens). Encapsulation does the guarding: every route
 * registered inside the `secured` scope passes the admin auth hook; only the OpenAPI document sits outside.
 */
export function buildAdminApp(deps: AdminAppDeps): FastifyInstance {
  if (deps.adminToken.length < 16) throw new Error('The admin token must be at least 16 characters long.');
  const app = Fastify({
    logger: {
      level: deps.logLevel ?? 'info',
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
        ],
        censor: '[redacted]',
      },
      ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
    },
    bodyLimit: BODY_LIMIT,
    exposeHeadRoutes: false,
  });
  // JSON only: Fastify's default text/plain parser would turn a mislabelled body into a string.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('adminActor', null);
  registerProblemHandlers(app, { bodyLimit: BODY_LIMIT });

  // Which routes are guarded is read from the guarded scope itself, so a route added outside it shows up
  // as public in `adminRoutes` and the shared auth test fails for it.
  const routes: { method: string; url: string }[] = [];
  const guarded = new Set<string>();
  const each = (route: { method: string | string[]; url: string }, fn: (method: string) => void) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) fn(method);
  };
  // The console's pages have their own (cookie) guard and their own tests; adminRoutes is the REST API.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/console')) each(route, (method) => routes.push({ method, url: route.url }));
  });
  app.decorate('adminRoutes', {
    getter: () => routes.map((r) => ({ ...r, public: !guarded.has(`${r.method} ${r.url}`) })),
  });

  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard admin API',
        version: '1.0.0',
        description: 'Team API keys (create, scope, limit, rotate, revoke), their usage, and the audit log.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => {
      const openapi = jsonSchemaTransformObject(document) as { paths?: Record<string, Record<string, OperationLike>> };
      // @fastify/swagger marks every request body required; rotate's is optional (no body = the defaults).
      const rotate = openapi.paths?.[`${ADMIN_PREFIX}/keys/{id}/rotate`]?.['post'];
      if (rotate?.requestBody !== undefined) rotate.requestBody.required = false;
      return openapi as ReturnType<typeof jsonSchemaTransformObject>;
    },
  });

  void app.register(
    async (v1) => {
      v1.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await v1.register(async (secured) => {
        secured.addHook('onRoute', (route) => each(route, (method) => guarded.add(`${method} ${route.url}`)));
        secured.addHook('onRequest', adminAuthHook(deps));
        await secured.register(keyRoutes, { keys: deps.keys, usage: deps.usage, scopeCatalog: deps.scopeCatalog });
        await secured.register(auditRoutes, { audit: deps.audit });
        if (deps.calls !== undefined) await secured.register(usageRoutes, { calls: deps.calls });
        if (deps.registry !== undefined)
          await secured.register(upstreamRoutes, { registry: deps.registry, audit: deps.audit });
        if (deps.accounts !== undefined)
          await secured.register(accountRoutes, { keys: deps.keys, accounts: deps.accounts, audit: deps.audit });
        for (const plugin of deps.plugins ?? []) await secured.register(plugin);
      });
    },
    { prefix: ADMIN_PREFIX },
  );

  if (deps.console !== false) {
    void app.register(
      consolePlugin({ sessions: new ConsoleSessions(deps.adminToken), inject: (options) => app.inject(options) }),
    );
  }

  // Operational endpoints for the internal listener: probes and Prometheus scrape, no credentials.
  if (deps.readiness !== undefined) void app.register(healthRoutes, { readiness: deps.readiness });
  const { metrics } = deps;
  if (metrics !== undefined) {
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.metrics()),
    );
  }
  return app;
}
