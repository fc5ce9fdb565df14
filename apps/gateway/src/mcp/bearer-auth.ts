import { asSwitchboardError, SwitchboardError, toJsonRpcError } from '@switchboard/errors';
import fp from 'fastify-plugin';
import type { CallerKey, McpAuthenticator } from './caller-key.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The team key behind the request's bearer token; set for every request that reaches an `/mcp` handler. */
    callerKey: CallerKey | null;
  }
}

export interface BearerAuthOptions {
  authenticator: McpAuthenticator;
  /** `WWW-Authenticate` value for a 401: points at the OAuth metadata; `credentialsSent` false = none were sent. */
  challenge: (reason: string, credentialsSent: boolean) => string;
}

/**
 * Every `/mcp` request names its caller with `Authorization: Bearer` (an API key or an OAuth access token).
 * A refusal is a 401 with the challenge that leads an OAuth client to the front door; other failures (store
 * unavailable, scope) go to the error handler.
 */
export const bearerAuth = fp<BearerAuthOptions>(
  async (app, { authenticator, challenge }) => {
    app.decorateRequest('callerKey', null);
    app.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      try {
        if (token === undefined || token === '')
          throw new SwitchboardError('UNAUTHENTICATED', 'An API key is required: send Authorization: Bearer sb_…');
        request.callerKey = await authenticator.authenticate(token, request.ip);
      } catch (error) {
        const failure = asSwitchboardError(error);
        if (failure.code !== 'UNAUTHENTICATED') throw failure;
        return reply
          .code(401)
          .header('www-authenticate', challenge(failure.message, token !== undefined && token !== ''))
          .type('application/json')
          .send(toJsonRpcError(failure));
      }
    });
  },
  { name: 'mcp-bearer-auth' },
);
