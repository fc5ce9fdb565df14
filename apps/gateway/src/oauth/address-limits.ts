import type { RateLimiter } from '@switchboard/rate-limiter';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from './oauth-error.ts';

/** Requests per minute and client address on the OAuth endpoints anyone may call without credentials. */
export interface AddressLimits {
  /** `POST /register` (each one stores a client record). */
  register: number;
  /** `POST /token`. */
  token: number;
  /** `GET` and `POST /authorize` (the consent page, which may fetch a client metadata document). */
  authorize: number;
  /** `POST /revoke`. */
  revoke: number;
}

/**
 * Generous for people and connectors (Claude registers once per connector, then refreshes a token every
 * 15 minutes) and for a whole office behind one address, yet a flood of registrations cannot fill the store.
 */
export const DEFAULT_ADDRESS_LIMITS: AddressLimits = { register: 60, token: 300, authorize: 120, revoke: 120 };

const ENDPOINT_OF: Record<string, keyof AddressLimits> = {
  '/register': 'register',
  '/token': 'token',
  '/authorize': 'authorize',
  '/revoke': 'revoke',
};

/**
 * Limits the unauthenticated OAuth endpoints per client address (`request.ip`, which honours
 * X-Forwarded-For only from the proxies `GATEWAY_TRUST_PROXY` names, so a client cannot pick its own
 * address). A refusal is an OAuth error with status 429 and `Retry-After`; the consent page shows it as a page.
 */
export function limitByAddress(limiter: RateLimiter, limits: AddressLimits) {
  return (app: FastifyInstance): void => {
    app.addHook('onRequest', async (request: FastifyRequest, reply) => {
      if (request.method !== 'POST' && request.method !== 'GET') return;
      const endpoint = ENDPOINT_OF[request.url.split('?')[0] ?? ''];
      if (endpoint === undefined) return;
      const decision = await limiter.consume({
        subject: `address:${request.ip}`,
        layers: [{ id: `oauth:${endpoint}`, policy: { limit: limits[endpoint], windowS: 60 } }],
      });
      // No limiter could answer (Redis down and failing closed): the endpoints' own store calls decide.
      if (decision.allowed || decision.reason === 'unavailable') return;
      void reply.header('retry-after', String(decision.retryAfterS));
      throw new OAuthError(
        'temporarily_unavailable',
        `Too many ${endpoint} requests from this address (${limits[endpoint]} a minute); retry in ${decision.retryAfterS} s.`,
        { status: 429 },
      );
    });
  };
}
