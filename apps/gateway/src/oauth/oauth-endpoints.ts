/**
 * Every absolute URL of the front door, derived once from `GATEWAY_PUBLIC_URL` (never from a request's Host
 * header, which a client controls). The issuer is the public origin; the protected resource is `/mcp`
 * on it, in canonical form (no trailing slash: MCP authorization §"Canonical Server URI").
 */
export interface OAuthEndpoints {
  issuer: string;
  resource: string;
  resourceMetadata: string;
  resourceMetadataRoot: string;
  authorizationServerMetadata: string;
  authorization: string;
  consentPath: string;
  token: string;
  registration: string;
  revocation: string;
  jwks: string;
  /** The public URL is https, so cookies can be Secure (and `__Host-` prefixed). */
  secure: boolean;
}

export function oauthEndpoints(publicUrl: string): OAuthEndpoints {
  const origin = new URL(publicUrl).origin;
  return {
    issuer: origin,
    resource: `${origin}/mcp`,
    resourceMetadata: `${origin}/.well-known/oauth-protected-resource/mcp`,
    resourceMetadataRoot: `${origin}/.well-known/oauth-protected-resource`,
    authorizationServerMetadata: `${origin}/.well-known/oauth-authorization-server`,
    authorization: `${origin}/authorize`,
    consentPath: '/authorize/consent',
    token: `${origin}/token`,
    registration: `${origin}/register`,
    revocation: `${origin}/revoke`,
    jwks: `${origin}/.well-known/jwks.json`,
    secure: origin.startsWith('https:'),
  };
}
