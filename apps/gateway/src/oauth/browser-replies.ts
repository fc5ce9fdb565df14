import type { FastifyReply } from 'fastify';
import { CONSENT_STYLE_HASH } from './consent-page.ts';

/**
 * An HTML page of the front door. The CSP allows nothing but the pinned stylesheet, and forms only to the
 * gateway and, when known, the client's redirect target (browsers apply `form-action` to the redirect that
 * follows a form POST). No framing, no caching.
 */
export function sendPage(reply: FastifyReply, status: number, body: string, redirectUri?: string) {
  const formTargets = ["'self'", ...(redirectUri === undefined ? [] : [cspSource(redirectUri)])];
  return (
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header(
        'content-security-policy',
        `default-src 'none'; style-src '${CONSENT_STYLE_HASH}'; form-action ${formTargets.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
      )
      .header('x-frame-options', 'DENY')
      // same-origin: the consent form's POST carries our Origin; nothing leaks to other sites.
      .header('referrer-policy', 'same-origin')
      .header('x-content-type-options', 'nosniff')
      .send(body)
  );
}

/** Sends the browser back to the client's redirect URI with the given query parameters added. */
export function redirectBack(
  reply: FastifyReply,
  status: 302 | 303,
  redirectUri: string,
  params: Record<string, string | undefined>,
) {
  const target = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) target.searchParams.set(name, value);
  }
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .redirect(target.href, status);
}

/** A CSP source matching the redirect target: its origin for web URLs, its scheme for app links. */
function cspSource(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : url.protocol;
}
