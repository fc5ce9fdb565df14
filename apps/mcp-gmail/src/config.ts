import { env, loadConfig } from '@switchboard/config';
import { parseTokenEncryptionKeys } from '@switchboard/google-auth';
import { z } from 'zod';

/**
 * The Gmail tool server's configuration, read once from the environment (the README's table lists the same
 * variables). Names shared with DESIGN.md's configuration contract are fixed.
 */
const schema = z
  .object({
    /** Listener; loopback by default, the gateway is the only client. */
    GMAIL_PORT: env.port(8102),
    GMAIL_HOST: env.host(),
    /** Gmail API root (tests point it at the fake). */
    GMAIL_BASE_URL: env.url('https://gmail.googleapis.com'),
    /** Google OAuth token endpoint (refresh and code exchange). */
    GOOGLE_TOKEN_URL: env.url('https://oauth2.googleapis.com/token'),
    /** Google's authorization page, where the connect flow sends the browser. */
    GOOGLE_AUTH_URL: env.url('https://accounts.google.com/o/oauth2/v2/auth'),
    /** OAuth client ("Web application") of this deployment; with the secret, enables per-user accounts. */
    GOOGLE_CLIENT_ID: env.optionalString(),
    GOOGLE_CLIENT_SECRET: env.optionalString(),
    /** One shared account for every caller (small teams); needs the client id and secret it was issued to. */
    GOOGLE_REFRESH_TOKEN: env.optionalString(),
    /** Keys (base64, 32 bytes, comma-separated: first encrypts, all decrypt) for refresh tokens at rest. */
    GOOGLE_TOKEN_ENCRYPTION_KEY: env.optionalString(),
    /** Off by default: without it there is no send tool, only drafts. */
    GMAIL_SEND_ENABLED: env.boolean(false),
    /** Per-account quota budget in units per minute (Google: 15,000 per user; default 80 % of it). */
    GMAIL_USER_QUOTA_PER_MIN: env.positiveInt(12_000),
    /** Longest a call waits for its account's budget before answering RATE_LIMITED with a retry time. */
    GMAIL_QUOTA_MAX_WAIT_MS: env.positiveInt(10_000),
    /** Shared grants and quota budgets across replicas; unset = in-memory (single process). */
    REDIS_URL: env.optionalString(),
    /** Verifies the gateway's caller assertions and signs connect links; same value as the gateway's. */
    CALLER_ASSERTION_SECRET: env.assertionSecrets().refine((list) => list.length > 0, 'is required'),
    /** Where browsers reach the gateway (connect links, OAuth redirect URI). */
    GATEWAY_PUBLIC_URL: env.url('http://localhost:8080'),
    LOG_LEVEL: env.logLevel(),
  })
  .superRefine((config, issue) => {
    try {
      parseTokenEncryptionKeys(config.GOOGLE_TOKEN_ENCRYPTION_KEY);
    } catch (error) {
      issue.addIssue({ code: 'custom', path: ['GOOGLE_TOKEN_ENCRYPTION_KEY'], message: (error as Error).message });
    }
    const perUser = config.GOOGLE_CLIENT_ID !== undefined && config.GOOGLE_REFRESH_TOKEN === undefined;
    if (perUser && config.REDIS_URL !== undefined && config.GOOGLE_TOKEN_ENCRYPTION_KEY === undefined) {
      issue.addIssue({
        code: 'custom',
        path: ['GOOGLE_TOKEN_ENCRYPTION_KEY'],
        message: 'is required with REDIS_URL, so stored Google grants stay readable (openssl rand -base64 32)',
      });
    }
  });

export type GmailConfig = z.infer<typeof schema>;

export function loadGmailConfig(source: NodeJS.ProcessEnv = process.env): GmailConfig {
  return loadConfig(schema, source);
}
