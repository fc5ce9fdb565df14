import { SwitchboardError } from '@switchboard/errors';
import { createGovernorMetrics, type GovernorEvent, governorFallback } from '@switchboard/governor';
import { closeRedis, createRedis } from '@switchboard/redis';
import { buildToolServer, type ToolDefinition } from '@switchboard/tool-server';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { registerConnectRoutes } from './connect-routes.ts';
import { createGoogleAuth } from './create-google-auth.ts';
import { GoogleApiClient, type RetryPolicy } from './google-api-client.ts';
import { type GoogleAuthMode, type GoogleCredentials, staticCredential } from './google-credentials.ts';
import type { GoogleEnv } from './google-env.ts';
import { createGoogleQuota } from './google-quota.ts';

export interface GoogleToolServerDeps {
  /** A Redis client the caller owns (tests); otherwise one is created from REDIS_URL and closed with the app. */
  redis?: Redis;
  /** Key prefix for grants (tests use a unique one per run). */
  redisPrefix?: string;
  /** Retry bounds for Google calls (tests shorten the waits). */
  retry?: RetryPolicy;
}

export interface GoogleToolServerOptions<Api> {
  /** Tool server name (`gmail`, `drive`): caller-assertion audience, metrics label, `/connect/<server>/`. */
  server: string;
  /** What people call it (`Gmail`, `Google Drive`), for messages and pages. */
  product: string;
  version: string;
  env: GoogleEnv;
  /** The API root (`GMAIL_BASE_URL`, `DRIVE_BASE_URL`). */
  baseUrl: string;
  /** One account's budget per minute and the longest wait for it. */
  quota: { perMinute: number; maxWaitMs: number };
  /** The least scopes the server needs (checked on every connect). */
  scopes: string[];
  createApi(client: GoogleApiClient): Api;
  tools(api: Api, credentials: GoogleCredentials): ToolDefinition<never, never>[];
  instructions(mode: GoogleAuthMode): string;
  /** Names the Google account behind a fresh access token, for the connect flow. */
  identify(api: Api, credential: ReturnType<typeof staticCredential>): Promise<string | undefined>;
}

/**
 * A Google-backed tool server: the caller's grant (or the shared account), the per-account quota on the
 * governor, the API client with its retries, the connect flow and the key-deleted hook, around the
 * server's own tools. Returns the app without listening.
 */
export function buildGoogleToolServer<Api>(
  options: GoogleToolServerOptions<Api>,
  deps: GoogleToolServerDeps = {},
): FastifyInstance {
  const { env, server, product } = options;
  const ownRedis = deps.redis === undefined && env.REDIS_URL !== undefined;
  const redis = deps.redis ?? (env.REDIS_URL === undefined ? undefined : createRedis(env.REDIS_URL, `mcp-${server}`));
  const warnings: string[] = [];
  const auth = createGoogleAuth({
    server,
    product,
    tokenUrl: env.GOOGLE_TOKEN_URL,
    clientId: env.GOOGLE_CLIENT_ID,
    clientSecret: env.GOOGLE_CLIENT_SECRET,
    refreshToken: env.GOOGLE_REFRESH_TOKEN,
    encryptionKeys: env.GOOGLE_TOKEN_ENCRYPTION_KEY,
    assertionSecrets: env.CALLER_ASSERTION_SECRET,
    publicUrl: env.GATEWAY_PUBLIC_URL,
    ...(redis === undefined ? {} : { redis }),
    ...(deps.redisPrefix === undefined ? {} : { redisPrefix: deps.redisPrefix }),
    warn: (message) => warnings.push(message),
  });
  let governorEvents: (event: GovernorEvent) => void = () => {};
  const fallback = governorFallback(env);
  const quota = createGoogleQuota({
    upstream: server,
    // No maxConcurrent: bottleneck counts weights against it, so a heavy call (Gmail's 100-unit send) would
    // never start; concurrency stays low anyway (a few requests per tool call).
    perAccount: { limit: options.quota.perMinute, intervalMs: 60_000 },
    maxWaitMs: options.quota.maxWaitMs,
    ...(redis === undefined ? {} : { redis }),
    ...(fallback === undefined ? {} : { fallback }),
    onEvent: (event) => governorEvents(event),
  });
  const api = options.createApi(
    new GoogleApiClient({
      upstream: server,
      product,
      baseUrl: options.baseUrl,
      quota,
      ...(deps.retry === undefined ? {} : { retry: deps.retry }),
    }),
  );

  const app = buildToolServer({
    name: server,
    version: options.version,
    instructions: options.instructions(auth.mode),
    tools: options.tools(api, auth.credentials),
    assertionSecrets: env.CALLER_ASSERTION_SECRET,
    logLevel: env.LOG_LEVEL,
    readiness: async () => ({ ready: true, google_auth: auth.mode.kind, quota: quota.snapshot() }),
    onClose: async () => {
      await quota.close();
      if (auth.mode.kind === 'per-caller') await auth.mode.store.close();
      if (ownRedis && redis !== undefined) await closeRedis(redis);
    },
  });
  const metrics = createGovernorMetrics(app.toolMetrics.registry);
  metrics.observe(quota.governor, server);
  governorEvents = metrics.onEvent;
  for (const message of warnings) app.log.warn(message);
  if (auth.mode.kind === 'unconfigured') {
    app.log.warn({ missing: auth.mode.missing }, `${product} is not configured: tools answer NOT_CONFIGURED`);
  }

  registerConnectRoutes(app, {
    server,
    product,
    mode: auth.mode,
    credentials: auth.credentials,
    authUrl: env.GOOGLE_AUTH_URL,
    publicUrl: env.GATEWAY_PUBLIC_URL,
    clientId: env.GOOGLE_CLIENT_ID,
    scopes: options.scopes,
    assertionSecrets: env.CALLER_ASSERTION_SECRET,
    identify: async (accessToken) => {
      const email = await options.identify(api, staticCredential(accessToken, product));
      if (email === undefined || email === '') {
        throw new SwitchboardError('UPSTREAM_ERROR', `${product} did not name the connected account.`);
      }
      return { accountId: email.toLowerCase(), email };
    },
  });
  return app;
}
