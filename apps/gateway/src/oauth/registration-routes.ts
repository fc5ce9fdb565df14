import type { FastifyInstance } from 'fastify';
import { MCP_SCOPE } from './access-token-authenticator.ts';
import { parseClientMetadata } from './client-metadata.ts';
import type { OAuthClients } from './oauth-clients.ts';
import { OAuthError } from './oauth-error.ts';

/** Registration bodies are small; a larger one is refused before it is parsed. */
export const REGISTRATION_BODY_LIMIT = 16 * 1024;

/**
 * `POST /register`, dynamic client registration (RFC 7591). The answer carries no null fields and integer
 * times only (clients have choked on both), and always the grant types this server really allows.
 */
export function registrationRoutes(options: { clients: OAuthClients }) {
  return async (app: FastifyInstance) => {
    app.post('/register', { bodyLimit: REGISTRATION_BODY_LIMIT }, async (request, reply) => {
      if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
        throw new OAuthError('invalid_client_metadata', 'Send the registration as application/json (RFC 7591 §3.1).');
      }
      const metadata = parseClientMetadata(request.body, 'registration');
      const { client, secret } = await options.clients.register(metadata);
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({
          client_id: client.id,
          client_id_issued_at: Math.floor(client.createdAt / 1000),
          ...(secret === null ? {} : { client_secret: secret, client_secret_expires_at: 0 }),
          client_name: client.name,
          redirect_uris: client.redirectUris,
          token_endpoint_auth_method: client.authMethod,
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: MCP_SCOPE,
        });
    });
  };
}
