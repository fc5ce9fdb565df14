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
import type { DriveConfig } from './config.ts';
import { DriveApi } from './drive-api.ts';
import type { DriveToolDeps } from './drive-context.ts';
import { DRIVE_SCOPES } from './drive-scopes.ts';
import { TextCache } from './text-cache.ts';
import { getFileTool } from './tools/get-file.ts';
import { listFolderTool } from './tools/list-folder.ts';
import { readFileTool } from './tools/read-file.ts';
import { searchFilesTool } from './tools/search-files.ts';

export interface DriveServerDeps {
  /** A Redis client the caller owns (tests); otherwise one is created from REDIS_URL and closed with the app. */
  redis?: Redis;
  /** Key prefix for grants (tests use a unique one per run). */
  redisPrefix?: string;
  /** Retry bounds for Google calls (tests shorten the waits). */
  retry?: RetryPolicy;
}

const VERSION = '0.1.0';

/**
 * The Drive tool server: search, metadata, text reading with paging and folder listing (read-only), the
 * connect flow and the key-deleted hook. Returns the app without listening (main.ts listens).
 */
export function buildDriveServer(config: DriveConfig, deps: DriveServerDeps = {}): FastifyInstance {
  const ownRedis = deps.redis === undefined && config.REDIS_URL !== undefined;
  const redis = deps.redis ?? (config.REDIS_URL === undefined ? undefined : createRedis(config.REDIS_URL, 'mcp-drive'));
  const warnings: string[] = [];
  const auth = createGoogleAuth({
    server: 'drive',
    product: 'Google Drive',
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
    upstream: 'drive',
    perAccount: { limit: config.DRIVE_USER_QUOTA_PER_MIN, intervalMs: 60_000 },
    maxWaitMs: config.DRIVE_QUOTA_MAX_WAIT_MS,
    ...(redis === undefined ? {} : { redis }),
    onEvent: (event) => governorEvents(event),
  });
  const client = new GoogleApiClient({
    upstream: 'drive',
    product: 'Google Drive',
    baseUrl: config.DRIVE_BASE_URL,
    quota,
    ...(deps.retry === undefined ? {} : { retry: deps.retry }),
  });
  const drive = new DriveApi(client);
  const toolDeps: DriveToolDeps = { credentials: auth.credentials, drive, texts: new TextCache() };

  const app = buildToolServer({
    name: 'drive',
    version: VERSION,
    instructions: `Google Drive of the person using this API key${auth.mode.kind === 'single-account' ? ' (one account shared by the team)' : ''}, read-only, shared drives included: search files, get metadata, read Docs, Sheets, Slides and text files as text in windows, list folders. Binary files (PDF, images, Office) cannot be read here; their web link is given instead. If a tool answers CONNECT_REQUIRED, give the user the connect link from the error.`,
    tools: [searchFilesTool(toolDeps), getFileTool(toolDeps), readFileTool(toolDeps), listFolderTool(toolDeps)],
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
  metrics.observe(quota.governor, 'drive');
  governorEvents = metrics.onEvent;
  for (const message of warnings) app.log.warn(message);
  if (auth.mode.kind === 'unconfigured') {
    app.log.warn({ missing: auth.mode.missing }, 'Google Drive is not configured: tools answer NOT_CONFIGURED');
  }

  registerConnectRoutes(app, {
    server: 'drive',
    product: 'Google Drive',
    mode: auth.mode,
    credentials: auth.credentials,
    authUrl: config.GOOGLE_AUTH_URL,
    publicUrl: config.GATEWAY_PUBLIC_URL,
    clientId: config.GOOGLE_CLIENT_ID,
    scopes: DRIVE_SCOPES,
    assertionSecrets: config.CALLER_ASSERTION_SECRET,
    identify: async (accessToken) => {
      const about = await drive.about({
        credential: staticCredential(accessToken, 'Google Drive'),
        callerKey: 'connect-flow',
      });
      const email = about.user?.emailAddress;
      if (email === undefined || email === '') {
        throw new SwitchboardError('UPSTREAM_ERROR', 'Google Drive did not name the connected account.');
      }
      return { accountId: email.toLowerCase(), email };
    },
  });
  return app;
}
