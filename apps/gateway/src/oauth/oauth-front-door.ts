import { readFileSync } from 'node:fs';
import { isSwitchboardError } from '@switchboard/errors';
import type { RateLimiter } from '@switchboard/rate-limiter';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import { type KeyAuthenticator, type KeyEvents, type KeyService, type KeyStore, TOKEN_PREFIX } from '../keys/index.ts';
import type { McpAuthenticator } from '../mcp/caller-key.ts';
import { AccessTokenAuthenticator, MCP_SCOPE } from './access-token-authenticator.ts';
import { AccessTokens } from './access-tokens.ts';
import { type AddressLimits, limitByAddress } from './address-limits.ts';
import { authorizationRoutes } from './authorization-routes.ts';
import { BoundKeys } from './bound-keys.ts';
import { ClientMetadataDocuments } from './client-metadata-documents.ts';
import { oauthClientRoutes } from './client-routes.ts';
import { CompositeAuthenticator } from './composite-authenticator.ts';
import { connectorDiagnosticsRoutes } from './connector-diagnostics.ts';
import { createOAuthStore } from './create-oauth-store.ts';
import { keyGrantRoutes } from './key-grant-routes.ts';
import { metadataRoutes } from './metadata-routes.ts';
import { OAuthClients } from './oauth-clients.ts';
import { type OAuthEndpoints, oauthEndpoints } from './oauth-endpoints.ts';
import { OAuthGrants } from './oauth-grants.ts';
import { oauthScope } from './oauth-routes.ts';
import type { OAuthStore } from './oauth-store.ts';
import { registrationRoutes } from './registration-routes.ts';
import { SigningKeys } from './signing-keys.ts';
import { tokenRoutes } from './token-routes.ts';

export interface OAuthFrontDoorOptions {
  /** `GATEWAY_PUBLIC_URL`: the issuer is its origin, the protected resource its `/mcp`. */
  publicUrl: string;
  clock: Clock;
  /** Unset: in-memory state (single process). */
  redis?: Redis | undefined;
  /** Redis key prefix; default `sb:`. */
  prefix?: string | undefined;
  keyStore: KeyStore;
  keyEvents: KeyEvents;
  /** The `sb_…` authenticator: answers `/mcp` for API keys and checks the key pasted on the consent page. */
  apiKeys: KeyAuthenticator;
  /** Creates the temporary key the connector diagnostics consent with. */
  keyService: KeyService;
  audit?: AuditLog | undefined;
  /** `GATEWAY_OAUTH_SIGNING_KEY`. */
  signingKey?: string | undefined;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  clientIdleTtlS: number;
  metadataDocuments?: { allowedHosts?: readonly string[] | undefined; caFile?: string | undefined } | undefined;
  logger?: { warn(details: object, message: string): void } | undefined;
  /** Limits the credential-free endpoints per client address; absent → unlimited. */
  addressLimits?: { limiter: RateLimiter; limits: AddressLimits } | undefined;
}

export interface OAuthFrontDoor {
  endpoints: OAuthEndpoints;
  /** For `/mcp`: `sb_…` API keys and OAuth access tokens. */
  authenticator: McpAuthenticator;
  /**
   * `WWW-Authenticate` for a 401 on `/mcp` (RFC 9728 §5.1: points clients at the metadata). A request that
   * sent no credentials gets no error code (RFC 6750 §3.1); a bad token gets `invalid_token`.
   */
  challenge(reason: string, credentialsSent: boolean): string;
  /** Adds the 403 `insufficient_scope` challenge to `/mcp`; call on the root app before `/mcp` is registered. */
  addHooks(app: FastifyInstance): void;
  /** The public routes: discovery documents, JWKS, /authorize, /token, /register, /revoke. */
  routes: (app: FastifyInstance) => Promise<void>;
  /**
   * Admin routes (register inside the admin auth scope under `/admin/v1`): OAuth clients, diagnostics, and
   * each key's grants.
   */
  adminRoutes: FastifyPluginAsync;
  clients: OAuthClients;
  store: OAuthStore;
  /** True when no signing key was configured and one was generated (in Redis: shared by every replica). */
  signingKeyGenerated: boolean;
  close(): Promise<void>;
}

/**
 * The OAuth 2.1 front door that lets Claude (custom connectors are OAuth-only) and any MCP client reach
 * `/mcp`: the gateway is both the resource server and the authorization server. A person consents by pasting
 * a team API key; the tokens issued are bound to that key, so its scopes, limits, rotation and revocation
 * apply to them. See apps/gateway/README-oauth.md.
 */
export async function createOAuthFrontDoor(options: OAuthFrontDoorOptions): Promise<OAuthFrontDoor> {
  const { clock } = options;
  const endpoints = oauthEndpoints(options.publicUrl);
  const store = createOAuthStore({ redis: options.redis, prefix: options.prefix, clock });
  const { keys: signing, generated } = await SigningKeys.load({ configured: options.signingKey, store });
  const caFile = options.metadataDocuments?.caFile;
  const documents = new ClientMetadataDocuments({
    clock,
    allowedHosts: options.metadataDocuments?.allowedHosts,
    extraCa: caFile === undefined ? undefined : readCaFile(caFile),
  });
  const clients = new OAuthClients({ store, documents, clock, idleTtlMs: options.clientIdleTtlS * 1000 });
  const boundKeys = new BoundKeys({
    store: options.keyStore,
    events: options.keyEvents,
    clock,
    logger: options.logger,
  });
  const tokens = new AccessTokens({
    keys: signing,
    issuer: endpoints.issuer,
    resource: endpoints.resource,
    ttlS: options.accessTokenTtlS,
    clock,
  });
  const grants = new OAuthGrants({ store, tokens, keys: boundKeys, clock, refreshTtlS: options.refreshTokenTtlS });
  const authenticator = new CompositeAuthenticator({
    apiKeys: options.apiKeys,
    accessTokens: new AccessTokenAuthenticator({ tokens, keys: boundKeys, clock }),
    apiKeyPrefix: TOKEN_PREFIX,
  });

  const challengeFor = (params: Record<string, string>) =>
    `Bearer ${Object.entries({ resource_metadata: endpoints.resourceMetadata, scope: MCP_SCOPE, ...params })
      .map(([name, value]) => `${name}="${quoted(value)}"`)
      .join(', ')}`;

  const routes = oauthScope(
    [
      metadataRoutes({ endpoints, signing }),
      authorizationRoutes({
        endpoints,
        clients,
        grants,
        keys: boundKeys,
        apiKeys: options.apiKeys,
        signing,
        clock,
        audit: options.audit,
      }),
      tokenRoutes({ clients, grants }),
      registrationRoutes({ clients }),
    ],
    options.addressLimits === undefined
      ? []
      : [limitByAddress(options.addressLimits.limiter, options.addressLimits.limits)],
  );

  const clientRoutes = oauthClientRoutes({ clients, audit: options.audit });
  const diagnosticsRoutes = connectorDiagnosticsRoutes({ endpoints, keys: options.keyService, clients, clock });
  const grantRoutes = keyGrantRoutes({ store, keyStore: options.keyStore, clock, audit: options.audit });
  const adminRoutes: FastifyPluginAsync = async (app) => {
    await app.register(clientRoutes);
    await app.register(diagnosticsRoutes);
    await app.register(grantRoutes);
  };

  return {
    endpoints,
    authenticator,
    challenge: (reason, credentialsSent) =>
      challengeFor(credentialsSent ? { error: 'invalid_token', error_description: reason } : {}),
    addHooks(app) {
      // The /mcp scope turns errors into JSON-RPC bodies; this adds the step-up challenge a client needs to
      // ask for more scope (RFC 6750 §3.1, MCP authorization "Scope Challenge Handling").
      app.addHook('onError', async (_request, reply, error) => {
        if (isSwitchboardError(error) && error.details?.['oauth_error'] === 'insufficient_scope') {
          reply.header(
            'www-authenticate',
            challengeFor({ error: 'insufficient_scope', error_description: error.message }),
          );
        }
      });
    },
    routes,
    adminRoutes,
    clients,
    store,
    signingKeyGenerated: generated,
    async close() {
      await boundKeys.close();
      await documents.close();
    },
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`GATEWAY_OAUTH_CIMD_CA_FILE: cannot read ${path} (${(error as Error).message}).`);
  }
}

/** An RFC 9110 quoted-string body in header-safe ASCII: no quotes, backslashes, controls or non-ASCII. */
function quoted(value: string): string {
  return value
    .replaceAll('…', '...')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/["\\]/g, "'")
    .replace(/[^\x20-\x7e]/g, '');
}
