import { env, loadConfig } from '@switchboard/config';
import { checkGoogleEnv, googleEnvShape } from '@switchboard/google-auth';
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
    /**
     * Per-account budget in requests per minute. Drive counts "quota units" without publishing per-method
     * costs; each request counts one here, and the default is 80 % of the 12,000 queries per user per
     * minute Drive documented before it switched to units (the current 325,000 units leave far more room).
     */
    DRIVE_USER_QUOTA_PER_MIN: env.positiveInt(9_600),
    /** Longest a call waits for its account's budget before answering RATE_LIMITED with a retry time. */
    DRIVE_QUOTA_MAX_WAIT_MS: env.positiveInt(10_000),
    ...googleEnvShape,
  })
  .superRefine(checkGoogleEnv);

export type DriveConfig = z.infer<typeof schema>;

export function loadDriveConfig(source: NodeJS.ProcessEnv = process.env): DriveConfig {
  return loadConfig(schema, source);
}
