import { createHash, timingSafeEqual } from 'node:crypto';
import { SwitchboardError } from '@switchboard/errors';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { AuditThrottle } from '../audit/audit-throttle.ts';
import { TOKEN_PREFIX } from '../keys/api-key-token.ts';
import type { KeyAuthenticator } from '../keys/key-authenticator.ts';
import type { Actor } from '../keys/key-service.ts';
import { ADMIN_SCOPE } from '../keys/scopes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling the admin API; set by the admin auth hook, null outside the guarded scope. */
    adminActor: Actor | null;
  }
}

/** The actor of a request inside the guarded admin scope. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.adminActor === null)
    throw new SwitchboardError('INTERNAL', 'Admin route registered outside the auth scope.');
  return request.adminActor;
}

export const ADMIN_TOKEN_ACTOR = 'admin-token';

/**
 * Compares a candidate with the admin token by their SHA-256 digests with `timingSafeEqual`: equal-length
 * inputs whatever the candidate, so neither the length nor a matching prefix shows in the timing.
 */
export function adminTokenVerifier(adminToken: string): (candidate: string) => boolean {
  const expected = sha256(adminToken);
  return (candidate) => timingSafeEqual(sha256(candidate), expected);
}

/**
 * Admits `Authorization: Bearer <admin token>` or `Bearer <API key with the admin scope>`; anything else is a
 * 401 (no or bad credentials) or 403 (a valid key without the admin scope). Refusals are audited, throttled
 * per ip and reason; a refused API key is audited by the authenticator itself.
 */
export function adminAuthHook(deps: {
  adminToken: string;
  authenticator: KeyAuthenticator;
  audit: AuditLog;
}): onRequestAsyncHookHandler {
  const isAdminToken = adminTokenVerifier(deps.adminToken);
  const throttle = new AuditThrottle();
  const refuse = (request: FastifyRequest, error: SwitchboardError, reason: string, actor = 'anonymous') => {
    if (throttle.shouldRecord(`${request.ip}|${reason}`, Date.now())) {
      deps.audit
        .record({ actor, action: 'admin.auth_failed', ip: request.ip, outcome: 'denied', reason })
        .catch((err: unknown) => request.log.warn({ err }, 'could not write audit entry'));
    }
    return error;
  };

  return async (request) => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw refuse(
        request,
        new SwitchboardError('UNAUTHENTICATED', 'Send "Authorization: Bearer <admin token or admin-scoped API key>".'),
        'missing',
      );
    }
    const match = /^Bearer +([\x21-\x7e]{1,512}) *$/i.exec(header);
    if (match === null) {
      throw refuse(
        request,
        new SwitchboardError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>".'),
        'malformed',
      );
    }
    const token = match[1]!;
    if (isAdminToken(token)) {
      request.adminActor = { id: ADMIN_TOKEN_ACTOR, ip: request.ip };
      return;
    }
    if (!token.startsWith(TOKEN_PREFIX)) {
      throw refuse(
        request,
        new SwitchboardError('UNAUTHENTICATED', 'The admin token is not valid.'),
        'bad_admin_token',
      );
    }
    const key = await deps.authenticator.authenticate(token, request.ip);
    if (!key.scopes.includes(ADMIN_SCOPE)) {
      throw refuse(
        request,
        new SwitchboardError('FORBIDDEN', `API key ${key.id} does not have the "admin" scope.`),
        'not_admin',
        key.id,
      );
    }
    request.adminActor = { id: key.id, ip: request.ip };
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
