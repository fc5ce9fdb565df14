export {
  checkApiKeyTokenShape,
  displayPrefix,
  type GeneratedToken,
  generateApiKeyToken,
  hashApiKeyToken,
  TOKEN_PREFIX,
} from './api-key-token.ts';
export { createKeyEvents, type KeyEventsOptions } from './create-key-events.ts';
export { createKeyStore, type KeyStoreOptions } from './create-key-store.ts';
export {
  type AuthenticatedKey,
  type AuthFailureReason,
  KeyAuthenticator,
  type KeyAuthenticatorOptions,
} from './key-authenticator.ts';
export { type KeyEvent, type KeyEventListener, type KeyEvents, MemoryKeyEvents } from './key-events.ts';
export { KEY_ID_PATTERN } from './key-id.ts';
export {
  type KeyLimits,
  keyLimitsSchema,
  type LimitRule,
  limitRuleSchema,
  type ToolLimitRule,
  toolLimitRuleSchema,
} from './key-limits.ts';
export { type KeyRecord, type KeyStatus, keyStatus, type StoredSecret } from './key-record.ts';
export {
  type Actor,
  type CreateKeyInput,
  DEFAULT_GRACE_PERIOD_S,
  type IssuedKey,
  KeyService,
  type KeyServiceOptions,
  type ListKeysInput,
  type UpdateKeyInput,
} from './key-service.ts';
export type { KeyListQuery, KeyMatch, KeyPage, KeyStore, KeyUsageMark, RetiredSecret } from './key-store.ts';
export { MemoryKeyStore } from './memory-key-store.ts';
export { RedisKeyEvents, type RedisKeyEventsOptions } from './redis-key-events.ts';
export { RedisKeyStore } from './redis-key-store.ts';
export { keyNameSchema, keyOwnerSchema } from './safe-text.ts';
export { ADMIN_SCOPE, scopeAllows, scopeListSchema, scopePatternSchema } from './scopes.ts';
export { type ScopeCatalog, unmatchedScopes } from './unmatched-scopes.ts';
