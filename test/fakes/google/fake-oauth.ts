/**
 * TEST INFRASTRUCTURE. Google's OAuth 2.0 authorize page and token endpoint, as documented at
 * https://developers.google.com/identity/protocols/oauth2/web-server: authorization code with PKCE,
 * refresh tokens only for `access_type=offline` (and, after the first consent, only with `prompt=consent`),
 * `invalid_grant` for revoked refresh tokens, `invalid_client` for a wrong client.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { FakeGoogleState } from './fake-state.ts';

interface AuthRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  challenge: string;
  offline: boolean;
  promptConsent: boolean;
}

interface IssuedCode extends AuthRequest {
  email: string;
  granted: string[];
  used: boolean;
  expiresAt: number;
}

export function registerFakeOAuth(
  app: FastifyInstance,
  state: FakeGoogleState,
  options: { redirectUris?: string[] },
): void {
  const requests = new Map<string, AuthRequest>();
  const codes = new Map<string, IssuedCode>();

  app.get<{ Querystring: Record<string, string> }>('/o/oauth2/v2/auth', async (request, reply) => {
    const q = request.query;
    const fail = (status: number, error: string) =>
      reply.code(status).type('text/html').send(`<h1>Error ${status}: ${error}</h1>`);
    if (q['client_id'] !== state.clientId) return fail(401, 'invalid_client');
    const redirectUri = q['redirect_uri'] ?? '';
    if (options.redirectUris !== undefined && !options.redirectUris.includes(redirectUri)) {
      return fail(400, 'redirect_uri_mismatch');
    }
    if (q['response_type'] !== 'code') return fail(400, 'unsupported_response_type');
    if (q['code_challenge_method'] !== 'S256' || !q['code_challenge']) return fail(400, 'invalid_request (PKCE)');
    const scopes = (q['scope'] ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0) return fail(400, 'invalid_scope');
    const id = randomBytes(12).toString('base64url');
    requests.set(id, {
      clientId: q['client_id'],
      redirectUri,
      scopes,
      state: q['state'],
      challenge: q['code_challenge'],
      offline: q['access_type'] === 'offline',
      promptConsent: (q['prompt'] ?? '').split(' ').includes('consent'),
    });
    const choices = [...state.accounts.values()]
      .map(
        (account) =>
          `<li><a href="/o/oauth2/v2/auth/approve?request=${id}&amp;account=${encodeURIComponent(account.email)}">${account.email}</a></li>`,
      )
      .join('');
    return reply
      .type('text/html')
      .send(
        `<!doctype html><title>Choose an account (FAKE Google, test infrastructure)</title><h1>Choose an account</h1><p>Requested: ${scopes.join(' ').replace(/[<>&"]/g, '')}</p><ul>${choices}</ul><a href="/o/oauth2/v2/auth/deny?request=${id}">Cancel</a>`,
      );
  });

  app.get<{ Querystring: { request?: string; account?: string } }>(
    '/o/oauth2/v2/auth/approve',
    async (request, reply) => {
      const pending = requests.get(request.query.request ?? '');
      const account = state.accounts.get(request.query.account ?? '');
      if (pending === undefined || account === undefined) return reply.code(400).send('unknown request');
      requests.delete(request.query.request ?? '');
      const granted = pending.scopes.filter((s) => state.mode.grantedScopes?.includes(s) ?? true);
      const code = `4/0fake-${randomBytes(24).toString('base64url')}`;
      codes.set(code, { ...pending, email: account.email, granted, used: false, expiresAt: Date.now() + 600_000 });
      const target = new URL(pending.redirectUri);
      if (pending.state !== undefined) target.searchParams.set('state', pending.state);
      target.searchParams.set('code', code);
      target.searchParams.set('scope', granted.join(' '));
      target.searchParams.set('authuser', '0');
      target.searchParams.set('prompt', 'consent');
      return reply.redirect(target.href, 302);
    },
  );

  app.get<{ Querystring: { request?: string } }>('/o/oauth2/v2/auth/deny', async (request, reply) => {
    const pending = requests.get(request.query.request ?? '');
    if (pending === undefined) return reply.code(400).send('unknown request');
    const target = new URL(pending.redirectUri);
    target.searchParams.set('error', 'access_denied');
    if (pending.state !== undefined) target.searchParams.set('state', pending.state);
    return reply.redirect(target.href, 302);
  });

  app.post<{ Body: Record<string, string> }>('/token', async (request, reply) => {
    const body = request.body ?? {};
    const invalid = (status: number, error: string, description: string) =>
      reply.code(status).send({ error, error_description: description });
    if (body['client_id'] !== state.clientId || body['client_secret'] !== state.clientSecret) {
      return invalid(401, 'invalid_client', 'The OAuth client was not found.');
    }
    if (body['grant_type'] === 'authorization_code') {
      const issued = codes.get(body['code'] ?? '');
      if (issued === undefined || issued.used || issued.expiresAt < Date.now()) {
        return invalid(400, 'invalid_grant', 'Malformed auth code.');
      }
      issued.used = true;
      if (body['redirect_uri'] !== issued.redirectUri) return invalid(400, 'redirect_uri_mismatch', 'Bad Request');
      const verifier = body['code_verifier'] ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== issued.challenge) {
        return invalid(400, 'invalid_grant', 'Invalid code verifier.');
      }
      const account = state.accounts.get(issued.email);
      if (account === undefined) return invalid(400, 'invalid_grant', 'Account gone.');
      const firstConsent = !account.consentedClients.has(issued.clientId);
      account.consentedClients.add(issued.clientId);
      const access = state.issueAccessToken(issued.email, issued.granted);
      const refresh =
        issued.offline && (issued.promptConsent || firstConsent)
          ? state.issueRefreshToken(issued.email, issued.granted)
          : undefined;
      return reply.send({
        access_token: access.token,
        expires_in: access.expiresIn,
        ...(refresh === undefined ? {} : { refresh_token: refresh }),
        scope: issued.granted.join(' '),
        token_type: 'Bearer',
      });
    }
    if (body['grant_type'] === 'refresh_token') {
      const record = state.refreshTokens.get(body['refresh_token'] ?? '');
      if (record === undefined || record.revoked || state.mode.invalidGrant?.includes(record.email)) {
        return invalid(400, 'invalid_grant', 'Token has been expired or revoked.');
      }
      const access = state.issueAccessToken(record.email, record.scopes);
      return reply.send({
        access_token: access.token,
        expires_in: access.expiresIn,
        scope: record.scopes.join(' '),
        token_type: 'Bearer',
      });
    }
    return invalid(400, 'unsupported_grant_type', 'Invalid grant_type.');
  });
}
