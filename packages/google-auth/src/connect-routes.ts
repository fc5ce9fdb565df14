import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Caller, CallerAssertionError, CallerAssertionVerifier } from '@switchboard/caller-assertion';
import { isSwitchboardError, SwitchboardError, toProblemDetail } from '@switchboard/errors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConnectTicketError } from './connect-tickets.ts';
import { type GoogleAuthMode, type GoogleCredentials, grantContext } from './google-credentials.ts';
import { InvalidGrantError } from './google-token-client.ts';
import type { GoogleGrant } from './grant-store.ts';
import { renderPage } from './render-page.ts';

export interface ConnectRoutesOptions {
  /** Tool server name (`gmail`, `drive`): the public path is `/connect/<server>/*`. */
  server: string;
  product: string;
  mode: GoogleAuthMode;
  credentials: GoogleCredentials;
  /** `GOOGLE_AUTH_URL`. */
  authUrl: string;
  /** `GATEWAY_PUBLIC_URL`: the gateway proxies `/connect/<server>/*` here verbatim. */
  publicUrl: string;
  clientId: string | undefined;
  /** The least scopes the server needs; the link is refused when the user unticks one of them. */
  scopes: string[];
  /** Names the Google account behind a fresh access token (Gmail profile, Drive about). */
  identify(accessToken: string): Promise<{ accountId: string; email: string }>;
  /** Caller-assertion secrets: `/internal/*` accepts only the gateway's assertions (audience = server). */
  assertionSecrets: string[];
  /** How long a started flow may take on Google's pages. */
  flowTtlMs?: number;
}

/**
 * The browser side of linking a Google account to a team key, plus the gateway's "key deleted" hook:
 * - `GET /connect/start?ticket=…`: authorization code + PKCE S256, `access_type=offline`, `prompt=consent`
 *   (without it Google issues a refresh token only at the first consent), `state` bound to the ticket's key
 *   and to this browser by an HttpOnly cookie.
 * - `GET /connect/callback`: exchanges the code, checks that every needed scope was granted, encrypts the
 *   refresh token and stores the grant for the ticket's key only.
 * - `POST /internal/keys/:keyId/deleted`: the gateway reports a deleted or revoked key; its grant goes.
 * - `GET /internal/keys/:keyId/grant`: whether the key linked an account, and its email (the admin console).
 * - `DELETE /internal/keys/:keyId/grant`: an admin unlinks the account; the key can link one again.
 * Every `/internal/*` route takes only the gateway's caller assertion for the key in its path.
 * https://developers.google.com/identity/protocols/oauth2/web-server
 */
export function registerConnectRoutes(app: FastifyInstance, options: ConnectRoutesOptions): void {
  const publicBase = options.publicUrl.replace(/\/+$/, '');
  const publicPath = `${new URL(publicBase).pathname.replace(/\/+$/, '')}/connect/${options.server}`;
  const redirectUri = `${publicBase}/connect/${options.server}/callback`;
  const cookieName = `sb_connect_${options.server}`;
  const secureCookie = publicBase.startsWith('https:');
  const flowTtlMs = options.flowTtlMs ?? 15 * 60_000;
  const verifier = new CallerAssertionVerifier({ secrets: options.assertionSecrets, audience: options.server });

  /** `html` marks a body built here with escaped values; other bodies are escaped as text. */
  const page = (reply: FastifyReply, status: number, title: string, body: string, html = false) =>
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .type('text/html; charset=utf-8')
      .send(renderPage(title, html ? body : escapeAttr(body)));

  const notPerCaller = (reply: FastifyReply) => {
    const mode = options.mode;
    const body =
      mode.kind === 'single-account'
        ? `This Switchboard uses one shared Google account for ${options.product}; there is nothing to connect.`
        : `${options.product} is not configured on this Switchboard yet (missing ${mode.kind === 'unconfigured' ? mode.missing.join(', ') : ''}).`;
    return page(reply, 404, 'Nothing to connect', body);
  };

  // The query strings carry the ticket (a bearer link for 15 minutes) and the authorization code: keep these
  // URLs out of the per-request info logs.
  const quiet = { logLevel: 'warn' as const };

  app.get<{ Querystring: { ticket?: string } }>('/connect/start', quiet, async (request, reply) => {
    const mode = options.mode;
    if (mode.kind !== 'per-caller' || options.clientId === undefined) return notPerCaller(reply);
    let keyId: string;
    let issuedAt: number;
    try {
      ({ keyId, issuedAt } = await mode.tickets.verify(request.query.ticket ?? ''));
    } catch (error) {
      if (!(error instanceof ConnectTicketError)) throw error;
      return page(
        reply,
        400,
        'This link does not work',
        `The connect link is invalid or has expired (${error.message}). Ask your assistant to use a ${options.product} tool again: it will give you a fresh link.`,
      );
    }
    if (await mode.store.isKeyDeleted(keyId)) {
      return page(reply, 410, 'API key deleted', 'The Switchboard API key this link belongs to was deleted.');
    }
    const state = randomBytes(24).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const nonce = randomBytes(24).toString('base64url');
    await mode.store.putPending({
      state,
      keyId,
      codeVerifier,
      browserNonceHash: sha256(nonce),
      ticketIssuedAt: issuedAt,
      expiresAt: Date.now() + flowTtlMs,
    });
    const authorize = new URL(options.authUrl);
    authorize.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: options.scopes.join(' '),
      access_type: 'offline',
      prompt: 'consent',
      code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
    }).toString();
    const cookie = [
      `${cookieName}=${nonce}`,
      `Path=${publicPath}`,
      `Max-Age=${Math.floor(flowTtlMs / 1000)}`,
      'HttpOnly',
      'SameSite=Lax',
      ...(secureCookie ? ['Secure'] : []),
    ].join('; ');
    return reply.code(302).header('set-cookie', cookie).header('cache-control', 'no-store').redirect(authorize.href);
  });

  app.get<{ Querystring: { state?: string; code?: string; error?: string } }>(
    '/connect/callback',
    quiet,
    async (request, reply) => {
      const mode = options.mode;
      if (mode.kind !== 'per-caller') return notPerCaller(reply);
      const clearCookie = `${cookieName}=; Path=${publicPath}; Max-Age=0; HttpOnly; SameSite=Lax${secureCookie ? '; Secure' : ''}`;
      reply.header('set-cookie', clearCookie);
      const { state, code, error } = request.query;
      const pending = state === undefined ? undefined : await mode.store.takePending(state);
      if (pending === undefined) {
        return page(
          reply,
          400,
          'This sign-in has expired',
          `This sign-in was already used or took too long. Ask your assistant to use a ${options.product} tool again for a fresh link.`,
        );
      }
      const nonce = readCookie(request.headers.cookie, cookieName);
      if (nonce === undefined || sha256(nonce) !== pending.browserNonceHash) {
        return page(
          reply,
          400,
          'Finish in the same browser',
          'This sign-in was started in another browser (or cookies are blocked). Open the connect link again in this browser.',
        );
      }
      if (error !== undefined || code === undefined) {
        return page(
          reply,
          400,
          'Nothing was connected',
          `Google did not grant access (${error ?? 'no authorization code'}). Nothing was linked; open the connect link again to retry.`,
        );
      }
      if (await mode.store.isKeyDeleted(pending.keyId)) {
        return page(reply, 410, 'API key deleted', 'The Switchboard API key this link belongs to was deleted.');
      }
      let grant: GoogleGrant;
      try {
        const exchanged = await mode.tokenClient.exchangeCode({
          code,
          codeVerifier: pending.codeVerifier,
          redirectUri,
        });
        const missing = options.scopes.filter((scope) => !exchanged.scopes.includes(scope));
        if (missing.length > 0) {
          const retry = await options.credentials.connectLink(pending.keyId);
          return page(
            reply,
            400,
            'Some permissions were not granted',
            `Switchboard needs these permissions and Google did not grant them: ${missing.join(', ')}. Open <a href="${escapeAttr(retry)}">the connect link</a> again and tick every box.`,
            true,
          );
        }
        if (exchanged.refreshToken === undefined) {
          return page(
            reply,
            502,
            'Google did not issue a lasting authorization',
            'Google returned no refresh token, so the link would stop working within an hour. Remove Switchboard from your Google account permissions and connect again.',
          );
        }
        const account = await options.identify(exchanged.accessToken);
        const now = new Date().toISOString();
        grant = {
          keyId: pending.keyId,
          grantId: randomUUID(),
          accountId: account.accountId,
          email: account.email,
          scopes: exchanged.scopes,
          refreshTokenJwe: await mode.cipher.encrypt(
            exchanged.refreshToken,
            grantContext(options.server, pending.keyId),
          ),
          status: 'active',
          createdAt: now,
          updatedAt: now,
        };
      } catch (failure) {
        if (!isSwitchboardError(failure) && !(failure instanceof InvalidGrantError)) throw failure;
        // Only the name and code: the message of a token exchange is never logged.
        request.log.warn(
          { failure: failure.name, code: isSwitchboardError(failure) ? failure.code : 'invalid_grant' },
          'connect failed',
        );
        const why = isSwitchboardError(failure) ? failure.message : 'the authorization code was refused';
        return page(
          reply,
          502,
          'Connecting failed',
          `Google did not complete the sign-in (${why}). Open the connect link again to retry.`,
        );
      }
      if (!(await mode.store.put(grant))) {
        return page(reply, 410, 'API key deleted', 'The Switchboard API key this link belongs to was deleted.');
      }
      options.credentials.forget(grant.keyId);
      app.log.info({ keyId: grant.keyId, server: options.server }, 'google account linked');
      return page(
        reply,
        200,
        `${options.product} connected`,
        `Switchboard can now use ${options.product} as <strong>${escapeAttr(grant.email)}</strong> for API key <code>${escapeAttr(grant.keyId)}</code>. You can close this window and retry in your assistant.`,
        true,
      );
    },
  );

  /**
   * The gateway's assertion for the key named in the path, or the refusal already sent: `/internal/*` acts
   * only on the key the gateway signed for, so one key's assertion never reads or deletes another's grant.
   */
  const assertedKey = async (request: FastifyRequest<{ Params: { keyId: string } }>, reply: FastifyReply) => {
    let caller: Caller;
    try {
      caller = await verifier.verify(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof CallerAssertionError)) throw error;
      await problem(reply, new SwitchboardError('UNAUTHENTICATED', `Caller assertion refused: ${error.message}.`));
      return undefined;
    }
    if (caller.keyId !== request.params.keyId) {
      await problem(reply, new SwitchboardError('FORBIDDEN', 'The assertion names another key.'));
      return undefined;
    }
    return caller.keyId;
  };

  app.post<{ Params: { keyId: string } }>('/internal/keys/:keyId/deleted', async (request, reply) => {
    const keyId = await assertedKey(request, reply);
    if (keyId === undefined) return reply;
    if (options.mode.kind === 'per-caller') await options.mode.store.deleteKey(keyId);
    options.credentials.forget(keyId);
    request.log.info({ keyId, server: options.server }, 'google grant deleted with its key');
    return reply.code(204).send();
  });

  // For the admin console: whether the key has linked an account, and which. Never a token.
  app.get<{ Params: { keyId: string } }>('/internal/keys/:keyId/grant', async (request, reply) => {
    const keyId = await assertedKey(request, reply);
    if (keyId === undefined) return reply;
    const mode = options.mode;
    if (mode.kind !== 'per-caller')
      return reply.header('cache-control', 'no-store').send({ linked: false, mode: mode.kind });
    const grant = await mode.store.get(keyId);
    return reply.header('cache-control', 'no-store').send(
      grant === undefined
        ? { linked: false, mode: mode.kind }
        : {
            linked: true,
            mode: mode.kind,
            email: grant.email,
            status: grant.status,
            ...(grant.brokenReason === undefined ? {} : { broken_reason: grant.brokenReason }),
            linked_at: grant.createdAt,
          },
    );
  });

  // An admin unlinking the account: the grant goes, the key stays, and its owner may link again.
  app.delete<{ Params: { keyId: string } }>('/internal/keys/:keyId/grant', async (request, reply) => {
    const keyId = await assertedKey(request, reply);
    if (keyId === undefined) return reply;
    const mode = options.mode;
    const unlinked = mode.kind === 'per-caller' && (await mode.store.unlink(keyId));
    options.credentials.forget(keyId);
    if (!unlinked) return problem(reply, new SwitchboardError('NOT_FOUND', `Key ${keyId} has no linked account.`));
    request.log.info({ keyId, server: options.server }, 'google grant unlinked by an admin');
    return reply.code(204).send();
  });
}

function problem(reply: FastifyReply, error: SwitchboardError) {
  return reply.code(error.status).type('application/problem+json').send(toProblemDetail(error));
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function escapeAttr(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
