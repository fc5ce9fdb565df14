export {
  buildGoogleToolServer,
  type GoogleToolServerDeps,
  type GoogleToolServerOptions,
} from './build-google-tool-server.ts';
export { type ClippedText, clipText } from './clip-text.ts';
export { type ConnectRoutesOptions, registerConnectRoutes } from './connect-routes.ts';
export { type ConnectTicket, ConnectTicketError, ConnectTickets } from './connect-tickets.ts';
export {
  createGoogleAuth,
  type GoogleAuth,
  GoogleAuthConfigError,
  type GoogleAuthSettings,
} from './create-google-auth.ts';
export {
  DEFAULT_RETRY_POLICY,
  GoogleApiClient,
  type GoogleApiClientOptions,
  type GoogleRequest,
  type QueryValue,
  type QuotaGate,
  type RetryPolicy,
} from './google-api-client.ts';
export {
  type CallerCredential,
  type GoogleAuthMode,
  GoogleCredentials,
  type GoogleCredentialsOptions,
  grantContext,
  staticCredential,
} from './google-credentials.ts';
export { checkGoogleEnv, type GoogleEnv, googleEnvShape } from './google-env.ts';
export { createGoogleQuota, type GoogleQuota, type GoogleQuotaOptions } from './google-quota.ts';
export {
  type AccessToken,
  type CodeExchangeResult,
  GoogleTokenClient,
  type GoogleTokenClientOptions,
  InvalidGrantError,
} from './google-token-client.ts';
export type { GoogleGrant, GrantStore, PendingConnect } from './grant-store.ts';
export { decodeCursor, encodeCursor } from './list-cursor.ts';
export { MemoryGrantStore } from './memory-grant-store.ts';
export { RedisGrantStore, type RedisGrantStoreOptions } from './redis-grant-store.ts';
export {
  createTokenCipher,
  generateTokenEncryptionKey,
  parseTokenEncryptionKeys,
  type TokenCipher,
  TokenCipherError,
} from './token-cipher.ts';
