import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isSwitchboardError } from '@switchboard/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import { hashApiKeyToken } from '../keys/index.ts';
import { MCP_SCOPE } from './access-token-authenticator.ts';
import type { BoundKeys } from './bound-keys.ts';
import { redirectBack, sendPage } from './browser-replies.ts';
import { type ClientView, type KeyView, renderErrorPage, renderGrantStep, renderKeyStep } from './consent-page.ts';
import { CONSENT_TTL_S, ConsentStates, type PendingAuthorization } from './consent-states.ts';
import { readCookie, singleFields } from './form-fields.ts';
import type { OAuthClients, ResolvedClient } from './oauth-clients.ts';
import type { OAuthEndpoints } from './oauth-endpoints.ts';
import { isOAuthError, type OAuthErrorCode } from './oauth-error.ts';
import { type OAuthGrants, sameResource } from './oauth-grants.ts';
import { secretFingerprint, sha256Hex } from './oauth-secrets.ts';
import { isS256Challenge } from './pkce.ts';
import { matchRedirectUri } from './redirect-uris.ts';
import type { SigningKeys } from './signing-keys.ts';

export interface AuthorizationRoutesOptions {
  endpoints: OAuthEndpoints;
  clients: OAuthClients;
  grants: OAuthGrants;
  keys: BoundKeys;
  /** Checks the API key pasted on the consent page (the `sb_…` authenticator). */
  apiKeys: {
    authenticate(
      token: string,
      ip: string,
    ): Promise<{ id: string; name: string; owner: string; scopes: readonly string[]; prefix: string }>;
  };
  signing: SigningKeys;
  clock: Clock;
  audit?: AuditLog | undefined;
}

const CSRF_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MAX_STATE = 2048;

/**
 * `GET /authorize` and the consent form it shows (`POST /authorize/consent`). The request is validated in
 * RFC 6749 §4.1.2.1 order: while the client or its redirect URI is in doubt, errors are shown here and never
 * redirected (an open redirector otherwise); after that they go back to the client with `state` and `iss`
 * (RFC 9207). The validated request travels between the pages as a short-lived JWT signed by the gateway,
 * so any replica can continue a flow another one started; a CSRF token (form field and cookie, its hash
 * inside that JWT) ties the form to the browser that opened it.
 */
export function authorizationRoutes(options: AuthorizationRoutesOptions) {
  const { endpoints, clients, grants, keys, apiKeys, signing, clock } = options;
  const cookieName = endpoints.secure ? '__Host-sb_oauth_csrf' : 'sb_oauth_csrf';

  const states = new ConsentStates({ signing, endpoints, clock });

  const errorPage = (reply: FastifyReply, status: number, title: string, message: string) =>
    sendPage(reply, status, renderErrorPage({ title, message }));
  const sendBack = (
    reply: FastifyReply,
    status: 302 | 303,
    redirectUri: string,
    params: Record<string, string | undefined>,
  ) => redirectBack(reply, status, redirectUri, { ...params, iss: endpoints.issuer });
  const sendError = (
    reply: FastifyReply,
    status: 302 | 303,
    pending: { redirect_uri: string; state?: string | undefined },
    error: OAuthErrorCode,
    description: string,
  ) => sendBack(reply, status, pending.redirect_uri, { error, error_description: description, state: pending.state });

  const clientView = (client: ResolvedClient, pending: PendingAuthorization): ClientView => ({
    name: client.name,
    kind: client.kind,
    id: client.id,
    returnsTo: returnsTo(pending.redirect_uri),
    resource: pending.resource,
  });
  const keyStep = async (
    reply: FastifyReply,
    client: ResolvedClient,
    pending: PendingAuthorization,
    csrf: string,
    error?: string,
  ) => {
    const stateToken = await states.seal({ ...pending, step: 'key', key: undefined });
    return sendPage(
      reply,
      error === undefined ? 200 : 400,
      renderKeyStep({
        client: clientView(client, pending),
        action: endpoints.consentPath,
        fields: { state_token: stateToken, csrf },
        error,
      }),
      pending.redirect_uri,
    );
  };

  return async (app: FastifyInstance) => {
    app.get('/authorize', async (request, reply) => {
      let params: ReturnType<typeof readAuthorizeParams>;
      try {
        params = readAuthorizeParams(request.query);
      } catch (error) {
        if (isOAuthError(error)) return errorPage(reply, 400, 'This connection request is malformed', error.message);
        throw error;
      }
      if (params.client_id === undefined) {
        return errorPage(
          reply,
          400,
          'This connection request is incomplete',
          'The request names no application (client_id is missing).',
        );
      }
      const found = await findClient(clients, params.client_id);
      if ('error' in found) return errorPage(reply, 400, 'This application cannot connect', found.error);
      const client = found.client;
      const redirectUri =
        params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
      if (redirectUri === undefined) {
        return errorPage(
          reply,
          400,
          'This connection request is incomplete',
          'The request has no redirect_uri, and the application registered several.',
        );
      }
      if (!matchRedirectUri(client.redirectUris, redirectUri)) {
        return errorPage(
          reply,
          400,
          'This application cannot connect',
          `The return address ${redirectUri} is not one ${client.name} registered, so this server will not send you there.`,
        );
      }
      const back = { redirect_uri: redirectUri, state: params.state };
      if (params.state !== undefined && params.state.length > MAX_STATE) {
        return sendError(
          reply,
          302,
          { redirect_uri: redirectUri },
          'invalid_request',
          `state is longer than ${MAX_STATE} characters.`,
        );
      }
      if (params.response_type !== 'code') {
        return sendError(reply, 302, back, 'unsupported_response_type', 'Only response_type=code is supported.');
      }
      if (params.code_challenge === undefined) {
        return sendError(
          reply,
          302,
          back,
          'invalid_request',
          'code_challenge is required: this server requires PKCE with S256.',
        );
      }
      if (params.code_challenge_method !== 'S256') {
        return sendError(reply, 302, back, 'invalid_request', 'code_challenge_method must be S256.');
      }
      if (!isS256Challenge(params.code_challenge)) {
        return sendError(
          reply,
          302,
          back,
          'invalid_request',
          'code_challenge is not an S256 challenge (43 base64url characters).',
        );
      }
      if (params.resource === undefined) {
        return sendError(
          reply,
          302,
          back,
          'invalid_target',
          `resource is required (RFC 8707); this server is ${endpoints.resource}.`,
        );
      }
      if (!sameResource(params.resource, endpoints.resource)) {
        return sendError(
          reply,
          302,
          back,
          'invalid_target',
          `This server issues tokens only for ${endpoints.resource}, not for ${params.resource}.`,
        );
      }
      const existing = readCookie(request.headers.cookie, cookieName);
      const csrf =
        existing !== undefined && CSRF_PATTERN.test(existing) ? existing : randomBytes(32).toString('base64url');
      reply.header(
        'set-cookie',
        `${cookieName}=${csrf}; Path=/; Max-Age=${CONSENT_TTL_S}; HttpOnly; SameSite=Strict${endpoints.secure ? '; Secure' : ''}`,
      );
      const pending: PendingAuthorization = {
        client_id: client.id,
        redirect_uri: redirectUri,
        state: params.state,
        code_challenge: params.code_challenge,
        // The one scope there is: what the key allows is decided by the key's own scopes.
        scope: MCP_SCOPE,
        resource: endpoints.resource,
        csrf: sha256Hex(csrf),
        step: 'key',
      };
      return keyStep(reply, client, pending, csrf);
    });

    app.post(endpoints.consentPath, async (request, reply) => {
      let form: Record<'state_token' | 'csrf' | 'action' | 'api_key', string | undefined>;
      try {
        form = singleFields(request.body, ['state_token', 'csrf', 'action', 'api_key'] as const);
      } catch (error) {
        if (isOAuthError(error)) return errorPage(reply, 400, 'This form is malformed', error.message);
        throw error;
      }
      // Defence in depth beside the CSRF token: a browser names the page a form came from ("null" when a
      // privacy setting hides it, which the token then covers alone).
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== 'null' && origin !== endpoints.issuer) {
        return errorPage(reply, 403, 'This form could not be verified', 'The form was sent from another site.');
      }
      const pending = await states.open(form.state_token);
      if (pending === null) {
        return errorPage(
          reply,
          400,
          'This page expired',
          'The consent page expired or was altered. Go back to the application and connect again.',
        );
      }
      const cookie = readCookie(request.headers.cookie, cookieName);
      if (
        form.csrf === undefined ||
        cookie === undefined ||
        !sameText(form.csrf, cookie) ||
        sha256Hex(form.csrf) !== pending.csrf
      ) {
        return errorPage(
          reply,
          403,
          'This form could not be verified',
          'The form’s security token is missing or does not match this browser (cookies must be enabled). Go back to the application and connect again.',
        );
      }
      const found = await findClient(clients, pending.client_id);
      if ('error' in found) return errorPage(reply, 400, 'This application cannot connect', found.error);
      const client = found.client;
      if (!matchRedirectUri(client.redirectUris, pending.redirect_uri)) {
        return errorPage(
          reply,
          400,
          'This application cannot connect',
          'The application’s registration changed; connect again.',
        );
      }
      const csrf = form.csrf;

      if (form.action === 'deny') {
        await record(options.audit, {
          actor: pending.key?.id ?? 'anonymous',
          action: 'oauth.authorize',
          target: client.id,
          ip: request.ip,
          outcome: 'denied',
          reason: 'access_denied',
          details: { client_name: client.name },
        });
        return sendError(reply, 303, pending, 'access_denied', 'The user denied the request.');
      }

      if (form.action === 'continue' && pending.step === 'key') {
        const token = form.api_key?.trim() ?? '';
        if (token === '') return keyStep(reply, client, pending, csrf, 'Paste your Switchboard API key first.');
        let key: Awaited<ReturnType<AuthorizationRoutesOptions['apiKeys']['authenticate']>>;
        try {
          key = await apiKeys.authenticate(token, request.ip);
        } catch (error) {
          if (isSwitchboardError(error) && error.code === 'UNAUTHENTICATED')
            return keyStep(reply, client, pending, csrf, error.message);
          if (isSwitchboardError(error) && error.code === 'STORE_UNAVAILABLE') {
            return errorPage(
              reply,
              503,
              'Switchboard is briefly unavailable',
              'The key store did not answer. Try again in a moment.',
            );
          }
          throw error;
        }
        const toolScopes = key.scopes.filter((s) => s !== 'admin');
        if (toolScopes.length === 0) {
          return keyStep(
            reply,
            client,
            pending,
            csrf,
            `API key ${key.name} grants no tools (only the admin API); use a key with tool scopes.`,
          );
        }
        const granted: PendingAuthorization = {
          ...pending,
          step: 'grant',
          key: {
            id: key.id,
            sfp: secretFingerprint(hashApiKeyToken(token)),
            name: key.name,
            owner: key.owner,
            prefix: key.prefix,
            scopes: [...key.scopes],
          },
        };
        const view: KeyView = { name: key.name, owner: key.owner, prefix: key.prefix, scopes: key.scopes };
        return sendPage(
          reply,
          200,
          renderGrantStep({
            client: clientView(client, pending),
            key: view,
            action: endpoints.consentPath,
            fields: { state_token: await states.seal(granted), csrf },
          }),
          pending.redirect_uri,
        );
      }

      if (form.action === 'approve' && pending.step === 'grant' && pending.key !== undefined) {
        const outcome = await keys.check(pending.key.id, pending.key.sfp);
        if (typeof outcome === 'string') {
          return keyStep(
            reply,
            client,
            pending,
            csrf,
            `API key ${pending.key.name} stopped working (${outcome}) before you approved; paste a current key.`,
          );
        }
        const code = await grants.issueCode({
          client,
          redirectUri: pending.redirect_uri,
          codeChallenge: pending.code_challenge,
          resource: pending.resource,
          scope: pending.scope,
          keyId: pending.key.id,
          secretFingerprint: pending.key.sfp,
        });
        await record(options.audit, {
          actor: pending.key.id,
          action: 'oauth.authorize',
          target: client.id,
          ip: request.ip,
          outcome: 'success',
          details: { client_name: client.name, client_kind: client.kind, redirect: returnsTo(pending.redirect_uri) },
        });
        return sendBack(reply, 303, pending.redirect_uri, { code, state: pending.state });
      }

      return errorPage(
        reply,
        400,
        'This form is malformed',
        'The form was sent with an action this step does not offer.',
      );
    });
  };
}

function readAuthorizeParams(query: FastifyRequest['query']) {
  return singleFields(query, [
    'response_type',
    'client_id',
    'redirect_uri',
    'state',
    'code_challenge',
    'code_challenge_method',
    'scope',
    'resource',
  ] as const);
}

async function findClient(
  clients: OAuthClients,
  clientId: string,
): Promise<{ client: ResolvedClient } | { error: string }> {
  try {
    const client = await clients.find(clientId);
    if (client !== null) return { client };
    return {
      error: `This server does not know the application ${clientId}. Its registration may have expired: remove the connector in the application and add it again.`,
    };
  } catch (error) {
    if (isOAuthError(error)) return { error: error.message };
    throw error;
  }
}

/** What a person recognises as the destination: the host of a web address, the app scheme otherwise. */
function returnsTo(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.host : `${url.protocol}// (an app on this device)`;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

async function record(audit: AuditLog | undefined, event: Parameters<AuditLog['record']>[0]): Promise<void> {
  await audit?.record(event).catch(() => undefined);
}
