import type { FastifyRequest } from 'fastify';
import { singleFields } from './form-fields.ts';
import type { OAuthClients, ResolvedClient } from './oauth-clients.ts';
import { OAuthError } from './oauth-error.ts';

/**
 * Identifies and authenticates the client of a token or revocation request: HTTP Basic
 * (client_secret_basic, RFC 6749 §2.3.1), body parameters (client_secret_post), or a bare client_id for
 * public clients. An unknown client is `invalid_client` with 401: Claude then registers again, which is how
 * a pruned registration heals itself.
 */
export async function authenticateClient(request: FastifyRequest, clients: OAuthClients): Promise<ResolvedClient> {
  const body = singleFields(request.body, ['client_id', 'client_secret'] as const);
  const basic = parseBasic(request.headers.authorization);
  if (basic !== undefined && body.client_id !== undefined && body.client_id !== basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body differs from the one in the Authorization header.');
  }
  if (basic !== undefined && body.client_secret !== undefined) {
    throw new OAuthError('invalid_request', 'Send the client secret once: in the Authorization header or in the body.');
  }
  const clientId = basic?.clientId ?? body.client_id;
  if (clientId === undefined) throw new OAuthError('invalid_client', 'client_id is required.');
  const client = await clients.find(clientId);
  if (client === null) {
    throw new OAuthError(
      'invalid_client',
      `Client ${clientId} is not registered here (registrations expire when unused); register again.`,
    );
  }
  clients.authenticate(client, { clientId, secret: basic?.secret ?? body.client_secret });
  return client;
}

function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw new OAuthError('invalid_client', 'The Basic credentials are malformed.');
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before they are joined.
    const decode = (s: string) => decodeURIComponent(s.replaceAll('+', ' '));
    return { clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_client', 'The Basic credentials are malformed.');
  }
}
