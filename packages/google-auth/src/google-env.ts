import { env } from '@switchboard/config';
import { governorEnvShape } from '@switchboard/governor';
import { z } from 'zod';
import { parseTokenEncryptionKeys } from './token-cipher.ts';

/**
 * The environment every Google-backed tool server reads (the names are DESIGN.md's contract), as a zod shape
 * to spread into a server's own schema, and the cross-field check that goes with it.
 */
export const googleEnvShape = {
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
  /** Shared grants and quota budgets across replicas; unset = in-memory (single process). */
  REDIS_URL: env.optionalString(),
  ...governorEnvShape,
  /** Verifies the gateway's caller assertions and signs connect links; same value as the gateway's. */
  CALLER_ASSERTION_SECRET: env.assertionSecrets().refine((list) => list.length > 0, 'is required'),
  /** Where browsers reach the gateway (connect links, OAuth redirect URI). */
  GATEWAY_PUBLIC_URL: env.url('http://localhost:8080'),
  LOG_LEVEL: env.logLevel(),
};

const googleEnvSchema = z.object(googleEnvShape);
export type GoogleEnv = z.infer<typeof googleEnvSchema>;

/** Encryption keys must parse, and per-user grants shared through Redis need a configured key. */
export function checkGoogleEnv(config: GoogleEnv, ctx: z.RefinementCtx): void {
  try {
    parseTokenEncryptionKeys(config.GOOGLE_TOKEN_ENCRYPTION_KEY);
  } catch (error) {
    ctx.addIssue({ code: 'custom', path: ['GOOGLE_TOKEN_ENCRYPTION_KEY'], message: (error as Error).message });
  }
  const perUser = config.GOOGLE_CLIENT_ID !== undefined && config.GOOGLE_REFRESH_TOKEN === undefined;
  if (perUser && config.REDIS_URL !== undefined && config.GOOGLE_TOKEN_ENCRYPTION_KEY === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['GOOGLE_TOKEN_ENCRYPTION_KEY'],
      message: 'is required with REDIS_URL, so stored Google grants stay readable (openssl rand -base64 32)',
    });
  }
}
