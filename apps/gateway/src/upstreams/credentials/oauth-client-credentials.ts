import { SwitchboardError } from '@switchboard/errors';
import { z } from 'zod';

export interface OAuthClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  resource?: string;
  fetch?: typeof fetch;
  now?: () => number;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().positive().optional(),
});

/**
 * An access token from the OAuth 2.1 client-credentials grant (RFC 6749 §4.4), cached until shortly before it
 * expires and fetched once however many calls wait for it. The client authenticates with HTTP Basic
 * (`client_secret_basic`, the method every authorization server must support).
 */
export class OAuthClientCredentials {
  readonly #options: OAuthClientCredentialsOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  #cached: { token: string; renewAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: OAuthClientCredentialsOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? fetch;
    this.#now = options.now ?? Date.now;
  }

  async token(): Promise<string> {
    if (this.#cached !== undefined && this.#cached.renewAt > this.#now()) return this.#cached.token;
    this.#pending ??= this.#request().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  invalidate(): boolean {
    const had = this.#cached !== undefined;
    this.#cached = undefined;
    return had;
  }

  async #request(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope, resource } = this.#options;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined) body.set('scope', scope);
    if (resource !== undefined) body.set('resource', resource);
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    let response: Response;
    try {
      response = await this.#fetch(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new SwitchboardError('UPSTREAM_UNAVAILABLE', `The token endpoint ${tokenUrl} cannot be reached.`, {
        retryAfterS: 5,
        cause: error,
      });
    }
    const parsed = tokenResponse.safeParse(await response.json().catch(() => undefined));
    if (!response.ok || !parsed.success) {
      throw new SwitchboardError(
        response.status === 400 || response.status === 401 ? 'UPSTREAM_AUTH' : 'UPSTREAM_ERROR',
        `The token endpoint ${tokenUrl} refused the client credentials (HTTP ${response.status}).`,
        { context: { upstreamStatus: response.status } },
      );
    }
    const lifetimeS = parsed.data.expires_in ?? 300;
    // Renew at 80 % of the lifetime, so a token never expires between being read and being used.
    this.#cached = { token: parsed.data.access_token, renewAt: this.#now() + lifetimeS * 800 };
    return parsed.data.access_token;
  }
}
