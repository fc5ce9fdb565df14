import { z } from 'zod';
import { OAuthError } from './oauth-error.ts';
import type { ClientAuthMethod } from './oauth-store.ts';
import { redirectUriProblem } from './redirect-uris.ts';

/** Client metadata as this server keeps it, from a registration (RFC 7591) or a metadata document. */
export interface ClientMetadata {
  name: string;
  redirectUris: string[];
  authMethod: ClientAuthMethod;
}

const SUPPORTED_GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);
export const SUPPORTED_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;

const text = (max: number) => z.string().max(max);

/**
 * The fields this server reads; others are accepted and ignored (RFC 7591 §2: unknown metadata is ignored).
 * `null` counts as absent, which some clients send for fields they do not set.
 */
const metadataSchema = z.object({
  redirect_uris: z.array(text(2000)).min(1).max(10),
  token_endpoint_auth_method: text(100).optional(),
  grant_types: z.array(text(100)).max(10).optional(),
  response_types: z.array(text(100)).max(10).optional(),
  client_name: text(200).optional(),
  client_uri: text(2000).optional(),
  logo_uri: text(2000).optional(),
  scope: text(1000).optional(),
  contacts: z.array(text(320)).max(10).optional(),
  software_id: text(200).optional(),
  software_version: text(100).optional(),
  application_type: text(20).optional(),
  client_id: text(2000).optional(),
  client_secret: z.unknown().optional(),
  client_secret_expires_at: z.unknown().optional(),
});

export type MetadataSource = 'registration' | 'document';

/**
 * Validates registration metadata (RFC 7591 §2) or a client ID metadata document; throws OAuthError
 * `invalid_redirect_uri` or `invalid_client_metadata` with a sentence naming the offending field.
 */
export function parseClientMetadata(input: unknown, source: MetadataSource): ClientMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new OAuthError('invalid_client_metadata', 'Client metadata must be a JSON object.');
  }
  const present = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));
  const parsed = metadataSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'metadata';
    const code = issue?.path[0] === 'redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata';
    throw new OAuthError(code, `Client metadata field ${field} is invalid: ${issue?.message ?? 'malformed'}.`);
  }
  const metadata = parsed.data;
  for (const uri of metadata.redirect_uris) {
    const problem = redirectUriProblem(uri);
    if (problem !== null) throw new OAuthError('invalid_redirect_uri', `Invalid redirect URI: ${problem}.`);
  }
  // A document is fetched by anyone who knows its URL, so it can only describe a public client.
  const defaultMethod = source === 'document' ? 'none' : 'client_secret_basic';
  const method = metadata.token_endpoint_auth_method ?? defaultMethod;
  if (source === 'document' && method !== 'none') {
    throw new OAuthError(
      'invalid_client_metadata',
      `A client ID metadata document must use token_endpoint_auth_method "none", not "${method}".`,
    );
  }
  if (
    source === 'document' &&
    (metadata.client_secret !== undefined || metadata.client_secret_expires_at !== undefined)
  ) {
    throw new OAuthError('invalid_client_metadata', 'A client ID metadata document must not contain a client secret.');
  }
  if (!(SUPPORTED_AUTH_METHODS as readonly string[]).includes(method)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `token_endpoint_auth_method "${method}" is not supported; use one of ${SUPPORTED_AUTH_METHODS.join(', ')}.`,
    );
  }
  const unsupportedGrant = metadata.grant_types?.find((g) => !SUPPORTED_GRANT_TYPES.has(g));
  if (unsupportedGrant !== undefined) {
    throw new OAuthError('invalid_client_metadata', `grant_types: "${unsupportedGrant}" is not supported.`);
  }
  const unsupportedResponse = metadata.response_types?.find((r) => r !== 'code');
  if (unsupportedResponse !== undefined) {
    throw new OAuthError(
      'invalid_client_metadata',
      `response_types: "${unsupportedResponse}" is not supported; use "code".`,
    );
  }
  return {
    name: displayName(metadata.client_name),
    redirectUris: [...new Set(metadata.redirect_uris)],
    authMethod: method as ClientAuthMethod,
  };
}

/** Client names are shown on the consent page: no control or bidi-override characters, collapsed space. */
function displayName(name: string | undefined): string {
  const cleaned = (name ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? 'Unnamed application' : cleaned;
}
