export { AccessTokenAuthenticator, MCP_SCOPE } from './access-token-authenticator.ts';
export { ACCESS_TOKEN_TYP, AccessTokens } from './access-tokens.ts';
export { isPublicAddress } from './address-policy.ts';
export { type BoundKey, BoundKeys } from './bound-keys.ts';
export { ClientMetadataDocuments, isClientIdUrl } from './client-metadata-documents.ts';
export { CLAUDE_REDIRECT_URIS, oauthClientRoutes } from './client-routes.ts';
export { CompositeAuthenticator } from './composite-authenticator.ts';
export {
  type ConnectorDiagnosticsDeps,
  connectorDiagnosticsRoutes,
  type DiagnosticStep,
  type DiagnosticsReport,
  runConnectorDiagnostics,
} from './connector-diagnostics.ts';
export { createOAuthStore, type OAuthStoreOptions } from './create-oauth-store.ts';
export { keyGrantRoutes } from './key-grant-routes.ts';
export { MemoryOAuthStore } from './memory-oauth-store.ts';
export { OAuthClients, type ResolvedClient } from './oauth-clients.ts';
export { type OAuthEndpoints, oauthEndpoints } from './oauth-endpoints.ts';
export { OAuthError, type OAuthErrorCode } from './oauth-error.ts';
export { createOAuthFrontDoor, type OAuthFrontDoor, type OAuthFrontDoorOptions } from './oauth-front-door.ts';
export { OAuthGrants, type TokenResponse } from './oauth-grants.ts';
export type { ClientRecord, CodeRecord, FamilyRecord, OAuthStore } from './oauth-store.ts';
export { RedisOAuthStore } from './redis-oauth-store.ts';
export { SigningKeys } from './signing-keys.ts';
