import { SwitchboardError } from '@switchboard/errors';
import {
  createGoogleAuth,
  createGoogleQuota,
  GoogleApiClient,
  type RetryPolicy,
  registerConnectRoutes,
  staticCredential,
} from '@switchboard/google-auth';
import { createGovernorMetrics, type GovernorEvent } from '@switchboard/governor';
import { createRedis } from '@switchboard/redis';
import { buildToolServer } from '@switchboard/tool-server';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { GmailConfig } from './config.ts';
import { GmailApi } from './gmail-api.ts';
import { type GmailToolDeps, LabelDirectory } from './gmail-context.ts';
import { GMAIL_SCOPES } from './gmail-scopes.ts';
import { createDraftTool } from './tools/create-draft.ts';
import { getMessageTool } from './tools/get-message.ts';
import { getThreadTool } from './tools/get-thread.ts';
import { getThreadDigestsTool } from './tools/get-thread-digests.ts';
import { listLabelsTool } from './tools/list-labels.ts';
import { searchThreadsTool } from './tools/search-threads.ts';
import { sendDraftTool } from './tools/send-draft.ts';

export interface GmailServerDeps {
  /** A Redis client the caller owns (tests); otherwise one is created from REDIS_URL and closed with the app. */
  redis?: Redis;
  /** Key prefix for grants (tests use a unique one per run). */
  redisPrefix?: string;
  /** Retry bounds for Google calls (tests shorten the waits). */
  retry?: RetryPolicy;
}

const VERSION = '0.1.0';

/**
 * The Gmail tool server: tools (search, read, digest, labels, drafts, and sending only when enabled), the
 * connect flow and the key-deleted hook. Returns the app without listening (main.ts listens).
 */
export function buildGmailServer(config: GmailConfig, deps: GmailServerDeps = {}): FastifyInstance {
  const ownRedis = deps.redis === undefined && config.REDIS_URL !== undefined;
  const redis = deps.redis ?? (config.REDIS_URL === undefined ? undefined : createRedis(config.REDIS_URL, 'mcp-gmail'));
  const warnings: string[] = [];
  const auth = createGoogleAuth({
    server: 'gmail',
    product: 'Gmail',
    tokenUrl: config.GOOGLE_TOKEN_URL,
    clientId: config.GOOGLE_CLIENT_ID,
    clientSecret: config.GOOGLE_CLIENT_SECRET,
    refreshToken: config.GOOGLE_REFRESH_TOKEN,
    encryptionKeys: config.GOOGLE_TOKEN_ENCRYPTION_KEY,
    assertionSecrets: config.CALLER_ASSERTION_SECRET,
    publicUrl: config.GATEWAY_PUBLIC_URL,
    ...(redis === undefined ? {} : { redis }),
    ...(deps.redisPrefix === undefined ? {} : { redisPrefix: deps.redisPrefix }),
    warn: (message) => warnings.push(message),
  });
  let governorEvents: (event: GovernorEvent) => void = () => {};
  const quota = createGoogleQuota({
    upstream: 'gmail',
    // No maxConcurrent: bottleneck counts weights against it, so a 100-unit drafts.send would never start.
    // Concurrency stays low anyway: at most 4 requests at once per tool call (search_threads).
    perAccount: { limit: config.GMAIL_USER_QUOTA_PER_MIN, intervalMs: 60_000 },
    maxWaitMs: config.GMAIL_QUOTA_MAX_WAIT_MS,
    ...(redis === undefined ? {} : { redis }),
    onEvent: (event) => governorEvents(event),
  });
  const client = new GoogleApiClient({
    upstream: 'gmail',
    product: 'Gmail',
    baseUrl: config.GMAIL_BASE_URL,
    quota,
    ...(deps.retry === undefined ? {} : { retry: deps.retry }),
  });
  const gmail = new GmailApi(client);
  const toolDeps: GmailToolDeps = {
    credentials: auth.credentials,
    gmail,
    sendEnabled: config.GMAIL_SEND_ENABLED,
    labels: new LabelDirectory(),
  };
  const tools = [
    searchThreadsTool(toolDeps),
    getThreadTool(toolDeps),
    getThreadDigestsTool(toolDeps),
    getMessageTool(toolDeps),
    listLabelsTool(toolDeps),
    createDraftTool(toolDeps),
    ...(config.GMAIL_SEND_ENABLED ? [sendDraftTool(toolDeps)] : []),
  ];

  const app = buildToolServer({
    name: 'gmail',
    version: VERSION,
    instructions: `Gmail of the person using this API key${auth.mode.kind === 'single-account' ? ' (one mailbox shared by the team)' : ''}: search threads, read threads and messages as clean text within explicit budgets, digest several threads, list labels and create drafts. ${config.GMAIL_SEND_ENABLED ? "Sending a draft requires the user's explicit confirmation (confirm: true)." : 'Nothing can be sent from here; drafts are sent by the user in Gmail.'} If a tool answers CONNECT_REQUIRED, give the user the connect link from the error.`,
    tools,
    assertionSecrets: config.CALLER_ASSERTION_SECRET,
    logLevel: config.LOG_LEVEL,
    readiness: async () => ({ ready: true, google_auth: auth.mode.kind, quota: quota.snapshot() }),
    onClose: async () => {
      await quota.close();
      if (auth.mode.kind === 'per-caller') await auth.mode.store.close();
      if (ownRedis) await redis?.quit().catch(() => redis.disconnect());
    },
  });
  const metrics = createGovernorMetrics(app.toolMetrics.registry);
  metrics.observe(quota.governor, 'gmail');
  governorEvents = metrics.onEvent;
  for (const message of warnings) app.log.warn(message);
  if (auth.mode.kind === 'unconfigured') {
    app.log.warn({ missing: auth.mode.missing }, 'Gmail is not configured: tools answer NOT_CONFIGURED');
  }

  registerConnectRoutes(app, {
    server: 'gmail',
    product: 'Gmail',
    mode: auth.mode,
    credentials: auth.credentials,
    authUrl: config.GOOGLE_AUTH_URL,
    publicUrl: config.GATEWAY_PUBLIC_URL,
    clientId: config.GOOGLE_CLIENT_ID,
    scopes: GMAIL_SCOPES,
    assertionSecrets: config.CALLER_ASSERTION_SECRET,
    identify: async (accessToken) => {
      const profile = await gmail.getProfile({
        credential: staticCredential(accessToken, 'Gmail'),
        callerKey: 'connect-flow',
      });
      if (typeof profile.emailAddress !== 'string' || profile.emailAddress === '') {
        throw new SwitchboardError('UPSTREAM_ERROR', 'Gmail did not name the connected account.');
      }
      return { accountId: profile.emailAddress.toLowerCase(), email: profile.emailAddress };
    },
  });
  return app;
}
