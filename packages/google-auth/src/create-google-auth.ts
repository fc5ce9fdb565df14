import type { Redis } from 'ioredis';
import { ConnectTickets } from './connect-tickets.ts';
import { type GoogleAuthMode, GoogleCredentials, type GoogleCredentialsOptions } from './google-credentials.ts';
import { GoogleTokenClient } from './google-token-client.ts';
import type { GrantStore } from './grant-store.ts';
import { MemoryGrantStore } from './memory-grant-store.ts';
import { RedisGrantStore } from './redis-grant-store.ts';
import { createTokenCipher, generateTokenEncryptionKey, parseTokenEncryptionKeys } from './token-cipher.ts';

export interface GoogleAuthSettings {
  server: string;
  product: string;
  tokenUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  refreshToken: string | undefined;
  /** `GOOGLE_TOKEN_ENCRYPTION_KEY` as configured (comma-separated base64 keys). */
  encryptionKeys: string | undefined;
  assertionSecrets: string[];
  publicUrl: string;
  /** Shared grant storage; without it grants live in this process only. */
  redis?: Redis;
  redisPrefix?: string;
  warn: (message: string) => void;
  onEvent?: GoogleCredentialsOptions['onEvent'];
}

export interface GoogleAuth {
  mode: GoogleAuthMode;
  credentials: GoogleCredentials;
}

export class GoogleAuthConfigError extends Error {
  override readonly name = 'GoogleAuthConfigError';
}

/**
 * Decides, once at start, how a tool server reaches Google:
 * - `GOOGLE_REFRESH_TOKEN` (with the client): one shared account for every caller;
 * - `GOOGLE_CLIENT_ID` + `GOOGLE_CLIENT_SECRET`: each team key links its own account (connect flow);
 * - neither: the server starts and every tool answers NOT_CONFIGURED naming the variables.
 * Grants are encrypted at rest; with Redis and no `GOOGLE_TOKEN_ENCRYPTION_KEY` it refuses to start (an
 * ephemeral key would make every stored grant unreadable after a restart); without Redis it warns and
 * uses an ephemeral key, since in-memory grants die with the process anyway.
 */
export function createGoogleAuth(settings: GoogleAuthSettings): GoogleAuth {
  const mode = resolveMode(settings);
  const credentials = new GoogleCredentials({
    server: settings.server,
    product: settings.product,
    mode,
    publicUrl: settings.publicUrl,
    ...(settings.onEvent === undefined ? {} : { onEvent: settings.onEvent }),
  });
  return { mode, credentials };
}

function resolveMode(settings: GoogleAuthSettings): GoogleAuthMode {
  const { clientId, clientSecret, refreshToken } = settings;
  const missingClient = [
    ...(clientId === undefined ? ['GOOGLE_CLIENT_ID'] : []),
    ...(clientSecret === undefined ? ['GOOGLE_CLIENT_SECRET'] : []),
  ];
  if (clientId === undefined || clientSecret === undefined) {
    return { kind: 'unconfigured', missing: missingClient };
  }
  const tokenClient = new GoogleTokenClient({ tokenUrl: settings.tokenUrl, clientId, clientSecret });
  if (refreshToken !== undefined) return { kind: 'single-account', refreshToken, tokenClient };

  let keys = parseTokenEncryptionKeys(settings.encryptionKeys);
  if (keys.length === 0) {
    if (settings.redis !== undefined) {
      throw new GoogleAuthConfigError(
        'GOOGLE_TOKEN_ENCRYPTION_KEY is required when REDIS_URL is set: stored Google grants must stay readable after a restart (generate one with `openssl rand -base64 32`).',
      );
    }
    settings.warn(
      'GOOGLE_TOKEN_ENCRYPTION_KEY is not set: using an ephemeral key; linked Google accounts are lost when this process stops.',
    );
    keys = [generateTokenEncryptionKey()];
  }
  const store: GrantStore =
    settings.redis === undefined
      ? new MemoryGrantStore()
      : new RedisGrantStore({
          redis: settings.redis,
          server: settings.server,
          ...(settings.redisPrefix === undefined ? {} : { prefix: settings.redisPrefix }),
        });
  if (settings.assertionSecrets.length === 0) {
    throw new GoogleAuthConfigError('CALLER_ASSERTION_SECRET is required: it signs the connect links.');
  }
  return {
    kind: 'per-caller',
    store,
    cipher: createTokenCipher(keys),
    tokenClient,
    tickets: new ConnectTickets({ secrets: settings.assertionSecrets, server: settings.server }),
  };
}
