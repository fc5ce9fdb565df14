import { isSwitchboardError } from '@switchboard/errors';
import type { FastifyError, FastifyInstance } from 'fastify';
import { CONSENT_STYLE_HASH, renderErrorPage } from './consent-page.ts';
import { parseForm } from './form-fields.ts';
import { isOAuthError, OAuthError } from './oauth-error.ts';

const FORM_BODY_LIMIT = 16 * 1024;
const JSON_ENDPOINTS = ['/token', '/revoke', '/register'];

/**
 * The OAuth scope of the public listener: its own body parsing (forms for /token, /revoke and the consent
 * page; JSON for /register) and its own error shape. Every failure leaves as an OAuth error object
 * (`{"error", "error_description"}`, RFC 6749 §5.2), or as an HTML page on the browser-facing routes;
 * never as a Switchboard problem, which OAuth clients cannot read.
 */
export function oauthScope(
  routeGroups: ((app: FastifyInstance) => Promise<void>)[],
  hooks: ((app: FastifyInstance) => void)[] = [],
) {
  return async (app: FastifyInstance) => {
    for (const addHooks of hooks) addHooks(app);
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_request, body, done) => done(null, parseForm(body as string)),
    );
    app.removeContentTypeParser('text/plain');

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const failure = toOAuthError(error, path);
      if (failure.status >= 500) request.log.error({ err: error }, 'OAuth endpoint failed');
      if (path.startsWith('/authorize')) {
        return reply
          .code(failure.status)
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header(
            'content-security-policy',
            `default-src 'none'; style-src '${CONSENT_STYLE_HASH}'; frame-ancestors 'none'`,
          )
          .send(renderErrorPage({ title: 'This request could not be completed', message: failure.message }));
      }
      if (failure.error === 'temporarily_unavailable') void reply.header('retry-after', '1');
      if (failure.error === 'invalid_client' && /^Basic /i.test(request.headers.authorization ?? '')) {
        void reply.header('www-authenticate', 'Basic realm="switchboard"');
      }
      return reply
        .code(failure.status)
        .header('cache-control', 'no-store')
        .header('access-control-allow-origin', '*')
        .type('application/json')
        .send(failure.toJSON());
    });

    // Browser-based MCP clients call these cross-origin; they carry no cookies, so any origin may.
    app.addHook('onSend', async (request, reply) => {
      if (JSON_ENDPOINTS.includes(request.url.split('?')[0] ?? '')) reply.header('access-control-allow-origin', '*');
    });
    for (const path of JSON_ENDPOINTS) {
      app.options(path, async (_request, reply) =>
        reply
          .code(204)
          .header('access-control-allow-origin', '*')
          .header('access-control-allow-methods', 'POST')
          .header('access-control-allow-headers', 'authorization, content-type')
          .header('access-control-max-age', '600')
          .send(),
      );
    }

    for (const group of routeGroups) await app.register(group);
  };
}

function toOAuthError(error: FastifyError, path: string): OAuthError {
  if (isOAuthError(error)) return error;
  if (isSwitchboardError(error) && error.code === 'STORE_UNAVAILABLE') {
    return new OAuthError('temporarily_unavailable', 'The token store is unavailable; retry in a moment.', {
      cause: error,
    });
  }
  const metadataError = path === '/register' ? 'invalid_client_metadata' : 'invalid_request';
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OAuthError(metadataError, 'The request body is too large.', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OAuthError(
        'invalid_request',
        path === '/register'
          ? 'Send the registration as application/json.'
          : 'Send the parameters as application/x-www-form-urlencoded.',
        { status: 415 },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new OAuthError(metadataError, 'The request body is not valid JSON.');
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return new OAuthError(metadataError, 'The request is malformed.', { status });
  return new OAuthError('server_error', 'The server failed; the incident was logged. Try again.', { cause: error });
}
