/**
 * Redirect URI rules. Registration accepts https URIs, http only on loopback (native apps, RFC 8252 §7.3),
 * and private-use schemes (`cursor://…`, RFC 8252 §7.1) except the ones a browser would run or read
 * locally. Authorization requires an exact match, except that a loopback URI may use any port (RFC 8252
 * §7.3: the app picks a free port at run time). Claude's callbacks are https and match exactly.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
  'filesystem:',
  'ftp:',
  'ws:',
  'wss:',
  'mailto:',
  'tel:',
  'sms:',
]);
const MAX_LENGTH = 2000;

/** Why a redirect URI cannot be registered, or null if it can. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length === 0 || uri.length > MAX_LENGTH) return `a redirect URI must be 1–${MAX_LENGTH} characters`;
  if (uri.includes('#')) return `redirect URI ${uri} has a fragment, which OAuth forbids`;
  const url = URL.parse(uri);
  if (url === null) return `redirect URI ${uri} is not an absolute URI`;
  if (url.username !== '' || url.password !== '') return `redirect URI ${uri} must not carry credentials`;
  if (url.protocol === 'https:') return url.hostname === '' ? `redirect URI ${uri} has no host` : null;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? null
      : `redirect URI ${uri} uses http on a non-loopback host; use https (http is allowed only for 127.0.0.1, [::1] and localhost)`;
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `redirect URI scheme ${url.protocol} is not allowed`;
  return null;
}

export function isLoopbackRedirect(uri: string): boolean {
  const url = URL.parse(uri);
  return url !== null && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/** Whether `requested` is one of the client's registered redirect URIs (see the rules above). */
export function matchRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  if (!isLoopbackRedirect(requested)) return false;
  const wanted = withoutPort(requested);
  return registered.some((uri) => isLoopbackRedirect(uri) && withoutPort(uri) === wanted);
}

function withoutPort(uri: string): string {
  const url = new URL(uri);
  url.port = '';
  return url.href;
}
