import { env, loadConfig } from '@switchboard/config';
import { checkGoogleEnv, googleEnvShape } from '@switchboard/google-auth';
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
    /** Off by default: without it there is no send tool, only drafts. */
    GMAIL_SEND_ENABLED: env.boolean(false),
    /** Per-account quota budget in units per minute (Google: 15,000 per user; default 80 % of it). */
    GMAIL_USER_QUOTA_PER_MIN: env.positiveInt(12_000),
    /** Longest a call waits for its account's budget before answering RATE_LIMITED with a retry time. */
    GMAIL_QUOTA_MAX_WAIT_MS: env.positiveInt(10_000),
    ...googleEnvShape,
  })
  .superRefine(checkGoogleEnv);

export type GmailConfig = z.infer<typeof schema>;

export function loadGmailConfig(source: NodeJS.ProcessEnv = process.env): GmailConfig {
  return loadConfig(schema, source);
}
