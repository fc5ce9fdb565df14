import { SwitchboardError } from '@switchboard/errors';
import { createGovernor, createGovernorMetrics, type Governor, type GovernorEvent } from '@switchboard/governor';
import { createIdempotencyStore } from '@switchboard/idempotency';
import { closeRedis, createRedis } from '@switchboard/redis';
import { buildToolServer, type ToolDefinition } from '@switchboard/tool-server';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { BlotatoClient } from './blotato-client.ts';
import type { BlotatoConfig } from './config.ts';
import { blotatoTools } from './tools/index.ts';

export const SERVER_NAME = 'blotato';
const VERSION = '0.1.0';

declare module 'fastify' {
  interface FastifyInstance {
    blotato: { client: BlotatoClient; governor: Governor };
  }
}

export interface BlotatoServerDeps {
  /** A Redis client to share (tests, the simulation); otherwise one is opened from `config.redisUrl`. */
  redis?: Redis;
}

/**
 * The Blotato tool server as a Fastify app that does not listen yet (`main.ts` listens). Tools reach
 * Blotato through one client whose every request runs inside a governor budget shared with the other
 * replicas; writes go through the idempotency store.
 */
export function buildBlotatoServer(config: BlotatoConfig, deps: BlotatoServerDeps = {}): FastifyInstance {
  const ownsRedis = deps.redis === undefined && config.redisUrl !== undefined;
  const redis = deps.redis ?? (config.redisUrl === undefined ? undefined : createRedis(config.redisUrl, 'mcp-blotato'));

  // The app (and its metrics registry) is built after the governor; events are routed once it exists.
  let onGovernorEvent: (e: GovernorEvent) => void = () => {};
  const governor = createGovernor({
    upstream: SERVER_NAME,
    budgets: config.budgets,
    maxWaitMs: config.maxWaitMs,
    ...(config.governorFallback === undefined ? {} : { fallback: config.governorFallback }),
    onEvent: (e) => onGovernorEvent(e),
    ...(redis === undefined ? {} : { redis }),
  });
  const idempotency = createIdempotencyStore(redis === undefined ? {} : { redis });
  let log: FastifyInstance['log'] | undefined;
  const client = new BlotatoClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    governor,
    timeoutMs: config.timeoutMs,
    onRequest: (entry) => log?.debug(entry, 'blotato request'),
  });

  const tools = blotatoTools({ client, idempotency, config }).map((tool) => requireApiKey(tool, config));
  const app = buildToolServer({
    name: SERVER_NAME,
    version: VERSION,
    instructions: [
      `Publishes and schedules social media posts through the team's Blotato account (via Switchboard, ${config.gatewayPublicUrl}).`,
      'Usual flow: list_accounts → prepare_post (checks and previews, sends nothing) → publish_post with an idempotency_key → get_post_status.',
      'Scheduling: give scheduled_time (ISO 8601 with offset) to publish_post; manage queued posts with list_scheduled_posts, reschedule_post and cancel_scheduled_post.',
      'Limits are shared by the whole team: a RATE_LIMITED answer gives retry_after_s; call again after that with the same arguments and idempotency_key.',
      'create_visual spends credits: ask the user before retrying a failed visual.',
    ].join('\n'),
    tools,
    assertionSecrets: config.assertionSecrets,
    logLevel: config.logLevel,
    readiness: async () => ({
      // Without Redis a replica still serves reads on its share of the budgets (unless failing closed);
      // taking every replica out of rotation would help no one, since they all share that Redis.
      ready: redis === undefined || redis.status === 'ready' || config.governorFallback !== undefined,
      blotato: { configured: config.apiKey !== undefined, base_url: config.baseUrl },
      store: redis === undefined ? 'in-memory (single process)' : `redis (${redis.status})`,
      governor: governor.snapshot(),
    }),
    onClose: async () => {
      await governor.close();
      await idempotency.close();
      await client.close();
      if (ownsRedis && redis !== undefined) await closeRedis(redis);
    },
  });
  log = app.log;
  const metrics = createGovernorMetrics(app.toolMetrics.registry);
  metrics.observe(governor, SERVER_NAME);
  onGovernorEvent = (e) => {
    metrics.onEvent(e);
    if (e.type === 'paused')
      app.log.warn({ budget: e.budget, pausedForMs: e.pausedForMs, source: e.source }, 'blotato budget paused');
    else if (e.type === 'refused')
      app.log.info({ budget: e.budget, reason: e.reason, retryAfterS: e.retryAfterS }, 'governor refused a call');
    else if (e.type === 'store_error') app.log.warn({ budget: e.budget, error: e.message }, 'governor store error');
  };
  app.decorate('blotato', { client, governor });
  return app;
}

/** Without an API key the server still starts (and lists its tools); every call says what is missing. */
// biome-ignore lint/suspicious/noExplicitAny: wraps any tool; its own types were checked by defineTool.
function requireApiKey(tool: ToolDefinition<any, any>, config: BlotatoConfig): ToolDefinition<any, any> {
  if (config.apiKey !== undefined) return tool;
  return {
    ...tool,
    async handler() {
      throw new SwitchboardError(
        'NOT_CONFIGURED',
        'Blotato is not configured on this Switchboard: the operator must set BLOTATO_API_KEY on the Blotato tool server.',
        { context: { upstream: SERVER_NAME }, details: { variable: 'BLOTATO_API_KEY' } },
      );
    },
  };
}
