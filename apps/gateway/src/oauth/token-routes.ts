import type { FastifyInstance } from 'fastify';
import { authenticateClient } from './client-authentication.ts';
import { singleFields } from './form-fields.ts';
import type { OAuthClients } from './oauth-clients.ts';
import { OAuthError } from './oauth-error.ts';
import type { OAuthGrants } from './oauth-grants.ts';

/** `POST /token` (authorization_code, refresh_token) and `POST /revoke` (RFC 7009). */
export function tokenRoutes(options: { clients: OAuthClients; grants: OAuthGrants }) {
  const { clients, grants } = options;
  return async (app: FastifyInstance) => {
    app.post('/token', { bodyLimit: 16 * 1024 }, async (request, reply) => {
      const params = singleFields(request.body, [
        'grant_type',
        'code',
        'redirect_uri',
        'code_verifier',
        'refresh_token',
        'resource',
        'scope',
      ] as const);
      if (params.grant_type === undefined) throw new OAuthError('invalid_request', 'grant_type is required.');
      if (params.grant_type !== 'authorization_code' && params.grant_type !== 'refresh_token') {
        throw new OAuthError('unsupported_grant_type', `grant_type ${params.grant_type} is not supported.`);
      }
      const client = await authenticateClient(request, clients);
      const tokens =
        params.grant_type === 'authorization_code'
          ? await grants.exchangeCode({
              client,
              code: params.code,
              redirectUri: params.redirect_uri,
              codeVerifier: params.code_verifier,
              resource: params.resource,
            })
          : await grants.refresh({
              client,
              refreshToken: params.refresh_token,
              resource: params.resource,
              scope: params.scope,
            });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(tokens);
    });

    app.post('/revoke', { bodyLimit: 16 * 1024 }, async (request, reply) => {
      const params = singleFields(request.body, ['token', 'token_type_hint'] as const);
      const client = await authenticateClient(request, clients);
      await grants.revoke(client, params.token);
      return reply.code(200).header('cache-control', 'no-store').send();
    });
  };
}
