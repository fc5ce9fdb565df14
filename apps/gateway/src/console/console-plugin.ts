import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  InjectOptions,
  LightMyRequestResponse,
} from 'fastify';
import { parseForm, readCookie } from '../oauth/form-fields.ts';
import { auditPages } from './audit-pages.ts';
import { type LayoutInput, renderLayout } from './console-layout.ts';
import { type ConsoleSession, ConsoleSessions } from './console-sessions.ts';
import { html } from './html-template.ts';
import { keyPages } from './key-pages.ts';
import { upstreamPages } from './upstream-pages.ts';
import { usagePages } from './usage-pages.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in console session; set by the console's session hook, null outside it. */
    consoleSession: ConsoleSession | null;
  }
}

export interface ConsoleOptions {
  sessions: ConsoleSessions;
  /** The admin app's own `inject`: every console page is built from admin API answers, nothing else. */
  inject: (options: InjectOptions) => Promise<LightMyRequestResponse>;
}

/** An admin API answer of 400 or more, as its problem detail. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface ConsoleKit {
  /** Calls the admin API with the session's credential, from the browser's address (for the audit log). */
  api<T>(request: FastifyRequest, method: InjectOptions['method'], url: string, body?: unknown): Promise<T>;
  page(reply: FastifyReply, request: FastifyRequest, layout: Omit<LayoutInput, 'csrf'>, status?: number): FastifyReply;
  csrf(request: FastifyRequest): string;
}

export const COOKIE = 'sb_console';
const FORM_LIMIT = 64 * 1024;
// Styles and scripts only from the console's own assets; chart data travels as inert JSON script blocks.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const require = createRequire(import.meta.url);
const ASSETS: Record<string, { type: string; file: string }> = {
  'console.css': { type: 'text/css', file: new URL('./assets/console.css', import.meta.url).pathname },
  'console.js': { type: 'text/javascript', file: new URL('./assets/console.js', import.meta.url).pathname },
  'uplot.js': { type: 'text/javascript', file: require.resolve('uplot/dist/uPlot.iife.min.js') },
  'uplot.css': { type: 'text/css', file: require.resolve('uplot/dist/uPlot.min.css') },
};

/**
 * The admin console at `/console` on the admin listener: server-rendered pages over the admin REST API.
 * Signing in with the admin token (or an admin-scoped key) sets an HttpOnly, SameSite=Strict cookie; every
 * form that changes something carries the session's CSRF token and must come from this origin.
 */
export function consolePlugin(options: ConsoleOptions): FastifyPluginAsync {
  return async (app) => {
    const assets = Object.fromEntries(
      Object.entries(ASSETS).map(([name, a]) => [name, { type: a.type, body: readFileSync(a.file) }]),
    );
    app.decorateRequest('consoleSession', null);
    // HTML pages, not part of the REST API's OpenAPI document.
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_request, body, done) => done(null, parseForm(String(body))),
    );
    app.addHook('onSend', async (_request, reply) => {
      reply
        .header('content-security-policy', CSP)
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'same-origin')
        .header('x-content-type-options', 'nosniff');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    });

    const kit: ConsoleKit = {
      async api<T>(request: FastifyRequest, method: InjectOptions['method'], url: string, body?: unknown) {
        const session = request.consoleSession;
        const response = await options.inject({
          method,
          url,
          remoteAddress: request.ip,
          headers: {
            ...(session === null ? {} : { authorization: `Bearer ${session.credential}` }),
            ...(request.headers['user-agent'] === undefined ? {} : { 'user-agent': request.headers['user-agent'] }),
          },
          ...(body === undefined ? {} : { payload: body as object }),
        });
        if (response.statusCode >= 400) {
          const problem = safeJson(response.body);
          throw new ApiProblem(
            response.statusCode,
            typeof problem['code'] === 'string' ? problem['code'] : 'ERROR',
            typeof problem['detail'] === 'string'
              ? problem['detail']
              : `The admin API answered ${response.statusCode}.`,
          );
        }
        return (response.statusCode === 204 ? {} : JSON.parse(response.body)) as T;
      },
      page(reply, request, layout, status = 200) {
        const csrf = request.consoleSession?.csrf;
        return reply
          .code(status)
          .type('text/html; charset=utf-8')
          .send(renderLayout({ ...layout, csrf }));
      },
      csrf(request) {
        return request.consoleSession?.csrf ?? '';
      },
    };

    app.get('/console/assets/:name', async (request, reply) => {
      const asset = assets[(request.params as { name: string }).name];
      if (asset === undefined) return reply.code(404).type('text/plain').send('Not found.');
      return reply.header('cache-control', 'public, max-age=3600').type(asset.type).send(asset.body);
    });

    await app.register(async (open) => signInRoutes(open, options.sessions, kit));

    await app.register(async (secured) => {
      secured.setErrorHandler(async (error, request, reply) => {
        if (error instanceof ApiProblem) {
          // The credential stopped working (admin token changed, admin key revoked): sign in again.
          if (error.status === 401) return signOut(reply, '/console/sign-in?expired=1');
          return kit.page(
            reply,
            request,
            { title: 'Something went wrong', body: html`<p class="error">${error.detail}</p>` },
            error.status,
          );
        }
        request.log.error({ err: error }, 'console page failed');
        return kit.page(
          reply,
          request,
          { title: 'Something went wrong', body: html`<p class="error">The page could not be built; see the log.</p>` },
          500,
        );
      });
      secured.addHook('preHandler', async (request, reply) => {
        const session = await options.sessions.open(readCookie(request.headers.cookie, COOKIE));
        if (session === null) {
          if (request.method === 'GET') {
            const next = encodeURIComponent(request.url);
            return reply.redirect(`/console/sign-in?next=${next}`, 303);
          }
          return refuse(reply, 401, 'You are not signed in (or your session ended). Sign in and try again.');
        }
        request.consoleSession = session;
        if (request.method !== 'GET') {
          const fields = (request.body ?? {}) as Record<string, unknown>;
          if (!sameOrigin(request) || !ConsoleSessions.csrfMatches(session, fields['csrf'])) {
            request.log.warn({ url: request.url }, 'console form refused: CSRF check failed');
            return refuse(
              reply,
              403,
              'This form is out of date or did not come from the console. Reload the page and try again.',
            );
          }
        }
      });
      secured.get('/console', async (_request, reply) => reply.redirect('/console/keys', 303));
      secured.post('/console/sign-out', async (_request, reply) => signOut(reply, '/console/sign-in'));
      await secured.register(keyPages(kit));
      await secured.register(upstreamPages(kit));
      await secured.register(usagePages(kit));
      await secured.register(auditPages(kit));
    });
  };
}

function signInRoutes(app: FastifyInstance, sessions: ConsoleSessions, kit: ConsoleKit): void {
  const form = (reply: FastifyReply, request: FastifyRequest, status: number, message?: string, next = '') =>
    kit.page(
      reply,
      request,
      {
        title: 'Sign in',
        body: html`<section class="signin">
          ${message === undefined ? '' : html`<p class="error" role="alert">${message}</p>`}
          <form method="post" action="/console/sign-in">
            <input type="hidden" name="next" value="${next}">
            <div class="field">
              <label for="token">Admin token <span class="hint">(GATEWAY_ADMIN_TOKEN, or an API key with the admin scope)</span></label>
              <input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
            </div>
            <button type="submit">Sign in</button>
          </form>
        </section>`,
      },
      status,
    );

  app.get('/console/sign-in', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    return form(
      reply,
      request,
      200,
      query['expired'] === undefined ? undefined : 'Your session ended; sign in again.',
      safeNext(query['next']),
    );
  });

  app.post('/console/sign-in', async (request, reply) => {
    // Login CSRF: a form posted from another site would sign the browser into the attacker's console.
    if (!sameOrigin(request)) return refuse(reply, 403, 'Sign in from the console page itself.');
    const fields = (request.body ?? {}) as Record<string, unknown>;
    const token = typeof fields['token'] === 'string' ? fields['token'].trim() : '';
    const next = safeNext(typeof fields['next'] === 'string' ? fields['next'] : undefined);
    if (token.length === 0) return form(reply, request, 400, 'Enter the admin token.', next);
    // The admin API itself decides whether the credential is an admin's (and audits a refusal).
    try {
      request.consoleSession = { credential: token, csrf: '' };
      await kit.api(request, 'GET', '/admin/v1/keys?limit=1');
    } catch (error) {
      request.consoleSession = null;
      if (error instanceof ApiProblem && (error.status === 401 || error.status === 403))
        return form(reply, request, 401, 'That is not an admin token or an admin-scoped key.', next);
      throw error;
    }
    const { cookie } = await sessions.seal(token);
    const secure = request.protocol === 'https' ? '; Secure' : '';
    return reply
      .header(
        'set-cookie',
        `${COOKIE}=${cookie}; Path=/console; Max-Age=${sessions.ttlS}; HttpOnly; SameSite=Strict${secure}`,
      )
      .redirect(next === '' ? '/console/keys' : next, 303);
  });
}

function signOut(reply: FastifyReply, to: string) {
  return reply
    .header('set-cookie', `${COOKIE}=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict`)
    .redirect(to, 303);
}

function refuse(reply: FastifyReply, status: number, message: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(
      renderLayout({
        title: status === 401 ? 'Sign in first' : 'Refused',
        body: html`<p class="error" role="alert">${message}</p><p><a href="/console/sign-in">Sign in</a></p>`,
      }),
    );
}

/**
 * A browser sends Origin with every POST; when it is present it must name this listener. Absent (older
 * clients, curl) the CSRF token alone decides.
 */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `${request.protocol}://${request.headers.host ?? ''}`;
}

/** Only console paths are followed after sign-in (no open redirect). */
function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/console(\/[A-Za-z0-9_\-/?=&%.]*)?$/.test(next) && !next.startsWith('//') ? next : '';
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
