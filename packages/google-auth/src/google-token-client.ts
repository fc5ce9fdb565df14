import { SwitchboardError } from '@switchboard/errors';
import { type Dispatcher, request } from 'undici';

/**
 * Google's OAuth token endpoint (`POST https://oauth2.googleapis.com/token`, form-encoded): the refresh grant
 * and the authorization-code exchange with PKCE. Tokens never appear in errors or logs.
 * https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code
 */
export interface GoogleTokenClientOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

export interface AccessToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scopes: string[];
}

export interface CodeExchangeResult extends AccessToken {
  /** Absent when Google did not issue one (no `prompt=consent`); the caller must refuse such a link. */
  refreshToken: string | undefined;
}

/** Google answered `invalid_grant`: the refresh token was revoked, expired (7 days in "Testing" apps) or is unknown. */
export class InvalidGrantError extends Error {
  override readonly name = 'InvalidGrantError';
}

interface TokenResponse {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
}

export class GoogleTokenClient {
  readonly #options: GoogleTokenClientOptions;

  constructor(options: GoogleTokenClientOptions) {
    this.#options = options;
  }

  get clientId(): string {
    return this.#options.clientId;
  }

  async refresh(refreshToken: string, signal?: AbortSignal): Promise<AccessToken> {
    const body = await this.#post({ grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
    return toAccessToken(body);
  }

  async exchangeCode(
    input: { code: string; codeVerifier: string; redirectUri: string },
    signal?: AbortSignal,
  ): Promise<CodeExchangeResult> {
    const body = await this.#post(
      {
        grant_type: 'authorization_code',
        code: input.code,
        code_verifier: input.codeVerifier,
        redirect_uri: input.redirectUri,
      },
      signal,
    );
    return { ...toAccessToken(body), refreshToken: body.refresh_token };
  }

  async #post(fields: Record<string, string>, signal?: AbortSignal): Promise<TokenResponse> {
    const form = new URLSearchParams({
      ...fields,
      client_id: this.#options.clientId,
      client_secret: this.#options.clientSecret,
    });
    const context = { upstream: 'google-oauth', route: 'POST /token' };
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.#options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        ...(this.#options.dispatcher === undefined ? {} : { dispatcher: this.#options.dispatcher }),
        ...(signal === undefined ? {} : { signal }),
        headersTimeout: this.#options.timeoutMs ?? 15_000,
        bodyTimeout: this.#options.timeoutMs ?? 15_000,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new SwitchboardError(
        'UPSTREAM_UNAVAILABLE',
        'Google sign-in (token endpoint) is unreachable; retry shortly.',
        {
          retryAfterS: 5,
          context,
          cause: error,
        },
      );
    }
    const text = await response.body.text();
    let body: TokenResponse = {};
    try {
      body = JSON.parse(text) as TokenResponse;
    } catch {
      // Non-JSON bodies (HTML error pages) are handled by status below.
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300 && typeof body.access_token === 'string') return body;
    if (body.error === 'invalid_grant') throw new InvalidGrantError(body.error_description ?? 'invalid_grant');
    const withStatus = { ...context, upstreamStatus: status };
    if (body.error === 'invalid_client' || body.error === 'unauthorized_client') {
      throw new SwitchboardError(
        'NOT_CONFIGURED',
        `Google refused this server's OAuth client (${body.error}); the operator must check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET.`,
        { context: withStatus },
      );
    }
    if (status === 429 || status >= 500) {
      throw new SwitchboardError('UPSTREAM_UNAVAILABLE', `Google's token endpoint answered ${status}; retry shortly.`, {
        retryAfterS: 5,
        context: withStatus,
      });
    }
    throw new SwitchboardError(
      'UPSTREAM_AUTH',
      `Google's token endpoint refused the request (${body.error ?? `HTTP ${status}`}).`,
      { context: withStatus },
    );
  }
}

function toAccessToken(body: TokenResponse): AccessToken {
  return {
    accessToken: body.access_token ?? '',
    expiresAt: Date.now() + (body.expires_in ?? 3599) * 1000,
    scopes: (body.scope ?? '').split(' ').filter(Boolean),
  };
}
