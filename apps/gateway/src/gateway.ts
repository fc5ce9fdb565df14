import { randomBytes } from 'node:crypto';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import {
  createRedisRateLimiter,
  createResilientRateLimiter,
  type ResilientRateLimiter,
} from '@switchboard/rate-limiter';
import { createRedis } from '@switchboard/redis';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { buildAdminApp } from './admin/index.ts';
import { type AuditLog, createAuditLog } from './audit/index.ts';
import { type Clock, systemClock } from './clock.ts';
import type { GatewayConfig } from './config.ts';
import { connectProxy } from './connect/connect-proxy.ts';
import { startGrantCleanup } from './connect/grant-cleanup.ts';
import { LinkedAccounts } from './connect/linked-accounts.ts';
import { createMemoryEventHub, createRedisEventHub, type EventHub } from './events/event-hub.ts';
import { createKeyEvents, createKeyStore, KeyAuthenticator, type KeyEvents, KeyService } from './keys/index.ts';
import type { ScopeCatalog } from './keys/unmatched-scopes.ts';
import { InFlightCalls } from './mcp/in-flight-calls.ts';
import { LegacySessions } from './mcp/legacy-sessions.ts';
import { createOAuthFrontDoor, type OAuthFrontDoor } from './oauth/index.ts';
import { createGatewayMetrics } from './observability/gateway-metrics.ts';
import { buildPublicApp } from './public-app.ts';
import { admitAll } from './rate-limits/admission.ts';
import { createKeyAdmission } from './rate-limits/key-admission.ts';
import { UpstreamRegistry } from './upstreams/upstream-registry.ts';
import { createCallCounters } from './usage/call-counters.ts';

export const GATEWAY_INFO = { name: 'switchboard', version: '0.1.0' };

export interface Gateway {
  publicApp: FastifyInstance;
  adminApp: FastifyInstance;
  keys: KeyService;
  registry: UpstreamRegistry;
  limiter: ResilientRateLimiter;
  /** OAuth front door; its `adminRoutes` belong in the admin app's guarded scope. */
  oauth: OAuthFrontDoor;
  /** The admin token in force (configured, or generated for this process). */
  adminToken: string;
  adminTokenGenerated: boolean;
  /** Secrets generated because the configuration had none (fine for one process; printed at start). */
  generatedSecrets: string[];
  close(): Promise<void>;
}

export interface GatewayOverrides {
  clock?: Clock;
}

/**
 * The composition root: builds every part of one gateway replica from its configuration. Nothing listens
 * here; `main.ts` (or a test) listens on `publicApp` and `adminApp`.
 */
export async function createGateway(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const clock = overrides.clock ?? systemClock;
  const generatedSecrets: string[] = [];
  const secretOr = (list: string[], name: string) => {
    if (list.length > 0) return list;
    generatedSecrets.push(name);
    return [randomBytes(32).toString('base64url')];
  };
  const assertionSecrets = secretOr(config.CALLER_ASSERTION_SECRET, 'CALLER_ASSERTION_SECRET');
  const sessionSecrets = secretOr(config.GATEWAY_SESSION_SECRET, 'GATEWAY_SESSION_SECRET');

  let redis: Redis | undefined;
  let hub: EventHub;
  if (config.REDIS_URL !== undefined) {
    redis = createRedis(config.REDIS_URL, 'gateway');
    hub = createRedisEventHub(redis, config.REDIS_URL);
  } else {
    hub = createMemoryEventHub();
  }

  const metrics = createGatewayMetrics();
  const audit: AuditLog = createAuditLog({ redis, clock });
  const store = createKeyStore({ redis, clock });
  const keyEvents: KeyEvents = createKeyEvents(config.REDIS_URL === undefined ? {} : { redis: config.REDIS_URL });
  // The public app's logger exists only once the app is built; parts built before it log through this.
  let publicLog:
    | { warn(details: object, message: string): void; error(details: object, message: string): void }
    | undefined;
  const logger = {
    warn: (details: object, message: string) => publicLog?.warn(details, message),
    error: (details: object, message: string) => publicLog?.error(details, message),
  };
  const keys = new KeyService({ store, events: keyEvents, audit, clock, logger });
  const authenticator = new KeyAuthenticator({ store, events: keyEvents, audit, clock, logger });
  const limiter = createResilientRateLimiter({
    ...(redis === undefined ? {} : { primary: createRedisRateLimiter(redis) }),
    replicas: config.GATEWAY_REPLICAS,
    failMode: config.GATEWAY_RATE_LIMIT_FAIL_MODE,
    onStateChange: (change) => publicApp.log.warn({ ...change }, 'rate limiter state changed'),
  });
  const oauth = await createOAuthFrontDoor({
    publicUrl: config.GATEWAY_PUBLIC_URL,
    clock,
    redis,
    keyStore: store,
    keyEvents,
    apiKeys: authenticator,
    keyService: keys,
    audit,
    signingKey: config.GATEWAY_OAUTH_SIGNING_KEY,
    accessTokenTtlS: config.GATEWAY_OAUTH_ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: config.GATEWAY_OAUTH_REFRESH_TOKEN_TTL_S,
    clientIdleTtlS: config.GATEWAY_OAUTH_CLIENT_IDLE_TTL_S,
    metadataDocuments: {
      allowedHosts: config.GATEWAY_OAUTH_CIMD_ALLOWED_HOSTS,
      caFile: config.GATEWAY_OAUTH_CIMD_CA_FILE,
    },
    logger: { warn: (details, message) => publicApp.log.warn(details, message) },
    addressLimits: { limiter, limits: config.GATEWAY_OAUTH_ADDRESS_LIMITS },
  });
  if (oauth.signingKeyGenerated && redis === undefined) generatedSecrets.push('GATEWAY_OAUTH_SIGNING_KEY');

  const calls = createCallCounters({
    redis,
    onError: (error) => publicApp.log.warn({ err: error }, 'could not count a call for the console'),
  });
  // Refused calls are counted for the console where the refusal is answered (tool-call-handler.ts).
  const admission = config.GATEWAY_RATE_LIMITS_ENABLED
    ? createKeyAdmission(limiter, config.GATEWAY_DEFAULT_LIMITS, metrics)
    : admitAll;

  const upstreams = config.upstreams.map((u) => u.config);
  const signer = new CallerAssertionSigner({ secrets: assertionSecrets });
  const registry = new UpstreamRegistry(config.upstreams, {
    signer,
    clientInfo: GATEWAY_INFO,
    childEnv: config.childEnv,
    log: (level, message, details) => publicApp.log[level]({ ...details }, message),
  });
  const sessions = new LegacySessions({
    secrets: sessionSecrets,
    ttlS: config.GATEWAY_SESSION_TTL_S,
    redis,
    hub,
    now: () => clock.now(),
  });
  const inFlight = new InFlightCalls(hub);

  const publicUrl = new URL(config.GATEWAY_PUBLIC_URL);
  const allowedHosts = new Set([
    'localhost',
    '127.0.0.1',
    '[::1]',
    publicUrl.hostname.toLowerCase(),
    ...config.GATEWAY_ALLOWED_HOSTS,
  ]);
  const readiness = async () => {
    const store =
      redis === undefined
        ? 'memory'
        : await redis.ping().then(
            () => 'redis',
            () => 'unreachable',
          );
    const upstreamState = Object.fromEntries(
      registry.upstreams.map((u) => {
        metrics.upstreamUp.set({ upstream: u.name }, u.state === 'ready' ? 1 : 0);
        const server = u.server;
        return [
          u.name,
          {
            state: u.state,
            transport: u.config.transport,
            ...(server === undefined ? {} : { protocol: server.protocolVersion }),
            ...(u.pid === undefined ? {} : { pid: u.pid }),
            circuit: u.breaker.state,
            tools: [...registry.tools.values()].filter((t) => t.upstream === u).length,
            ...(u.problems.length > 0 ? { problems: u.problems } : {}),
            ...(u.lastError ? { error: u.lastError } : {}),
          },
        ];
      }),
    );
    // Redis away is not "unready": cached keys and the fallback limiter keep serving (unless limits fail
    // closed), and taking every replica out of the load balancer at once would turn a blip into an outage.
    const ready = store !== 'unreachable' || config.GATEWAY_RATE_LIMIT_FAIL_MODE === 'fallback';
    return { ready, store, rateLimiter: limiter.state, upstreams: upstreamState };
  };

  const adminTokenGenerated = config.GATEWAY_ADMIN_TOKEN === undefined;
  const adminToken = config.GATEWAY_ADMIN_TOKEN ?? `sbadm_${randomBytes(24).toString('base64url')}`;
  const publicApp = await buildPublicApp({
    logLevel: config.LOG_LEVEL,
    trustProxy: config.GATEWAY_TRUST_PROXY,
    readiness,
    hooks: [oauth.addHooks],
    plugins: [connectProxy(registry), oauth.routes],
    mcp: {
      registry,
      sessions,
      inFlight,
      hub,
      authenticator: oauth.authenticator,
      admission,
      metrics,
      calls,
      info: GATEWAY_INFO,
      instructions: instructionsFor(upstreams.map((u) => u.name)),
      callTimeoutMs: config.GATEWAY_CALL_TIMEOUT_MS,
      bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES,
      allowedHosts,
      challenge: oauth.challenge,
    },
  });
  publicLog = publicApp.log;
  const adminApp = await buildAdminApp({
    plugins: [oauth.adminRoutes],
    keys,
    authenticator,
    audit,
    adminToken,
    usage: (keyId: string, hours: number) => limiter.usage(keyId, { hours }),
    scopeCatalog: () => scopeCatalogOf(upstreams, registry),
    calls,
    registry,
    accounts: new LinkedAccounts({ registry, signer }),
    logLevel: config.LOG_LEVEL,
    metrics: metrics.registry,
    readiness,
  });

  await sessions.start();
  await registry.start();
  const stopGrantCleanup = startGrantCleanup({
    events: keyEvents,
    store,
    registry,
    signer,
    log: (details, message) => publicApp.log.warn(details, message),
  });

  return {
    publicApp,
    adminApp,
    keys,
    registry,
    limiter,
    oauth,
    adminToken,
    adminTokenGenerated,
    generatedSecrets,
    async close() {
      stopGrantCleanup();
      await publicApp.close();
      // After the listener: calls that finished while it drained are counted too.
      await calls.close();
      await adminApp.close();
      await registry.close();
      await authenticator.close();
      await oauth.close();
      await keyEvents.close();
      await limiter.close();
      await hub.close();
      redis?.disconnect();
    },
  };
}

function instructionsFor(upstreams: string[]): string {
  return [
    `Switchboard gives this assistant a team's tools: ${upstreams.join(', ')}.`,
    'Tool names start with their service (gmail_, drive_, blotato_). A result with isError explains what went wrong;',
    'when it says RATE_LIMITED, wait the number of seconds it gives before retrying.',
  ].join(' ');
}

/** What key scopes can grant now, read from the configuration and the registry's current lists. */
function scopeCatalogOf(
  upstreams: readonly { name: string; prefix: boolean }[],
  registry: Pick<UpstreamRegistry, 'tools' | 'prompts'>,
): ScopeCatalog {
  const names = new Map<string, string[]>();
  for (const catalog of [registry.tools, registry.prompts]) {
    for (const [name, entry] of catalog) {
      const list = names.get(entry.upstream.name) ?? [];
      list.push(name);
      names.set(entry.upstream.name, list);
    }
  }
  return { upstreams: upstreams.map((u) => ({ name: u.name, prefixed: u.prefix })), names };
}
