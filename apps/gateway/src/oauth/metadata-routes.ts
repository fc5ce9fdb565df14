import type { FastifyInstance } from 'fastify';
import { MCP_SCOPE } from './access-token-authenticator.ts';
import { SUPPORTED_AUTH_METHODS } from './client-metadata.ts';
import type { OAuthEndpoints } from './oauth-endpoints.ts';
import type { SigningKeys } from './signing-keys.ts';

/** Protected Resource Metadata (RFC 9728) for `/mcp`. */
export function protectedResourceMetadata(endpoints: OAuthEndpoints) {
  return {
    resource: endpoints.resource,
    authorization_servers: [endpoints.issuer],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Switchboard',
  };
}

/** Authorization Server Metadata (RFC 8414), with what MCP clients check before they start. */
export function authorizationServerMetadata(endpoints: OAuthEndpoints, signing: SigningKeys) {
  return {
    issuer: endpoints.issuer,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    registration_endpoint: endpoints.registration,
    revocation_endpoint: endpoints.revocation,
    jwks_uri: endpoints.jwks,
    scopes_supported: [MCP_SCOPE],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...SUPPORTED_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...SUPPORTED_AUTH_METHODS],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
    resource_indicators_supported: true,
    access_token_signing_alg_values_supported: [signing.signingAlgorithm],
  };
}

/**
 * The discovery documents and the JWKS. MCP clients look for PRM at the path-suffixed well-known URI first
 * and then at the root one, and for AS metadata at the RFC 8414 URI and then the OpenID one; each is served
 * at both. They are public and cacheable, and readable cross-origin (browser-based MCP clients).
 */
export function metadataRoutes(options: { endpoints: OAuthEndpoints; signing: SigningKeys }) {
  const prm = protectedResourceMetadata(options.endpoints);
  const asm = authorizationServerMetadata(options.endpoints, options.signing);
  const jwks = options.signing.jwks;
  return async (app: FastifyInstance) => {
    const serve = (path: string, body: object) =>
      app.get(path, async (_request, reply) =>
        reply.header('cache-control', 'public, max-age=300').header('access-control-allow-origin', '*').send(body),
      );
    serve('/.well-known/oauth-protected-resource/mcp', prm);
    serve('/.well-known/oauth-protected-resource', prm);
    serve('/.well-known/oauth-authorization-server', asm);
    serve('/.well-known/openid-configuration', asm);
    serve('/.well-known/jwks.json', jwks);
  };
}
