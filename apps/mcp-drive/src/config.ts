import { env, loadConfig } from '@switchboard/config';
import { parseTokenEncryptionKeys } from '@switchboard/google-auth';
import { z } from 'zod';

/**
 * The Drive tool server's configuration, read once from the environment (the README's table lists the same
 * variables). Names shared with DESIGN.md's configuration contract are fixed.
 */
const schema = z
  .object({
    /** Listener; loopback by default, the gateway is the only client. */
    DRIVE_PORT: env.port(8103),
    DRIVE_HOST: env.host(),
    /** Drive API root (tests point it at the fake). */
    DRIVE_BASE_URL: env.url('https://www.googleapis.com'),
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
    /**
     * Per-account budget in requests per minute. Drive counts "quota units" without publishing per-method
     * costs; each request counts one here, and the default is 80 % of the 12,000 queries per user per
     * minute Drive documented before it switched to units (the current 325,000 units leave far more room).
     */
    DRIVE_USER_QUOTA_PER_MIN: env.positiveInt(9_600),
    /** Longest a call waits for its account's budget before answering RATE_LIMITED with a retry time. */
    DRIVE_QUOTA_MAX_WAIT_MS: env.positiveInt(10_000),
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

export type DriveConfig = z.infer<typeof schema>;

export function loadDriveConfig(source: NodeJS.ProcessEnv = process.env): DriveConfig {
  return loadConfig(schema, source);
}
