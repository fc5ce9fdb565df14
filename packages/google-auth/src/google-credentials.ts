import { SwitchboardError } from '@switchboard/errors';
import type { ConnectTickets } from './connect-tickets.ts';
import { type AccessToken, type GoogleTokenClient, InvalidGrantError } from './google-token-client.ts';
import type { GrantStore } from './grant-store.ts';
import { type TokenCipher, TokenCipherError } from './token-cipher.ts';

/** How a tool server gets Google credentials, decided once from its configuration. */
export type GoogleAuthMode =
  /** Neither a client nor a refresh token: the server runs and every tool explains what to set. */
  | { kind: 'unconfigured'; missing: string[] }
  /** `GOOGLE_REFRESH_TOKEN`: every caller uses one Google account (small teams). */
  | { kind: 'single-account'; refreshToken: string; tokenClient: GoogleTokenClient }
  /** Each team key links its own Google account through the connect flow. */
  | {
      kind: 'per-caller';
      store: GrantStore;
      cipher: TokenCipher;
      tokenClient: GoogleTokenClient;
      tickets: ConnectTickets;
    };

/** What an API call needs from the caller's Google link. */
export interface CallerCredential {
  /** The Google account whose per-user quota the call spends (a budget key, never a secret). */
  accountKey: string;
  /** A valid access token; `forceRefresh` after Google answered 401 with a cached one. */
  accessToken(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<string>;
  /** The error to report when Google still answers 401 right after a refresh. */
  rejectedError(): Promise<SwitchboardError>;
}

export interface GoogleCredentialsOptions {
  /** Tool server name: `gmail` or `drive` (names the grant namespace and the connect path). */
  server: string;
  /** Product name for sentences: `Gmail`, `Google Drive`. */
  product: string;
  mode: GoogleAuthMode;
  /** `GATEWAY_PUBLIC_URL`: the browser reaches `/connect/<server>/*` through the gateway. */
  publicUrl: string;
  /** Refresh this long before expiry, so a token never expires mid-request. */
  refreshMarginMs?: number;
  onEvent?: (event: { type: 'refreshed' | 'invalid_grant' | 'undecryptable'; server: string; keyId?: string }) => void;
}

interface CachedToken {
  token: AccessToken;
}

/**
 * Turns a verified caller (team key id) into Google credentials: looks up the key's grant, decrypts its refresh
 * token and keeps an access token per grant in process memory, refreshed before expiry (one refresh at a time
 * per grant). Access tokens are never written anywhere; each replica refreshes its own.
 */
export class GoogleCredentials {
  readonly #options: GoogleCredentialsOptions;
  readonly #cache = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<AccessToken>>();
  readonly #marginMs: number;

  constructor(options: GoogleCredentialsOptions) {
    this.#options = options;
    this.#marginMs = options.refreshMarginMs ?? 5 * 60_000;
  }

  get mode(): GoogleAuthMode['kind'] {
    return this.#options.mode.kind;
  }

  /** The link a person opens to connect their Google account to `keyId` (valid for the ticket's lifetime). */
  async connectLink(keyId: string): Promise<string> {
    const mode = this.#options.mode;
    if (mode.kind !== 'per-caller') throw new Error('connect links exist only in per-caller mode');
    const ticket = await mode.tickets.mint(keyId);
    return `${this.#options.publicUrl.replace(/\/+$/, '')}/connect/${this.#options.server}/start?ticket=${ticket}`;
  }

  async forCaller(keyId: string): Promise<CallerCredential> {
    const mode = this.#options.mode;
    if (mode.kind === 'unconfigured') {
      throw new SwitchboardError(
        'NOT_CONFIGURED',
        `${this.#options.product} is not configured on this Switchboard: the operator must set ${mode.missing.join(' and ')} (each user then connects their own Google account), and may add GOOGLE_REFRESH_TOKEN to share one account instead; see the mcp-${this.#options.server} README.`,
        { details: { missing: mode.missing } },
      );
    }
    if (mode.kind === 'single-account') {
      const refresh = (signal?: AbortSignal) =>
        mode.tokenClient.refresh(mode.refreshToken, signal).catch((error: unknown) => {
          if (error instanceof InvalidGrantError) {
            this.#options.onEvent?.({ type: 'invalid_grant', server: this.#options.server });
            throw new SwitchboardError(
              'NOT_CONFIGURED',
              `Google refused the shared account's GOOGLE_REFRESH_TOKEN (invalid_grant: expired or revoked); the operator must issue a new one.`,
            );
          }
          throw error;
        });
      return {
        accountKey: 'shared-account',
        accessToken: (options) => this.#token('shared-account', refresh, options),
        rejectedError: async () =>
          new SwitchboardError(
            'UPSTREAM_AUTH',
            `${this.#options.product} rejected the shared account's credentials even after a token refresh; the operator must check the account's access.`,
          ),
      };
    }

    const grant = await mode.store.get(keyId);
    if (grant === undefined) {
      throw await this.#connectRequired(keyId, `No ${this.#options.product} account is linked to this API key yet.`);
    }
    if (grant.status === 'broken') {
      throw await this.#connectRequired(
        keyId,
        `The ${this.#options.product} link of this API key stopped working (Google revoked or expired it).`,
      );
    }
    const cacheKey = `${keyId}\u0000${grant.grantId}`;
    const context = grantContext(this.#options.server, keyId);
    const refresh = async (signal?: AbortSignal): Promise<AccessToken> => {
      let refreshToken: string;
      try {
        refreshToken = await mode.cipher.decrypt(grant.refreshTokenJwe, context);
      } catch (error) {
        if (!(error instanceof TokenCipherError)) throw error;
        // The encryption key was rotated away or the record was tampered with: only a new link helps.
        this.#options.onEvent?.({ type: 'undecryptable', server: this.#options.server, keyId });
        await mode.store.markBroken(keyId, grant.grantId, 'undecryptable');
        throw await this.#connectRequired(keyId, `The stored ${this.#options.product} link can no longer be read.`);
      }
      try {
        const token = await mode.tokenClient.refresh(refreshToken, signal);
        this.#options.onEvent?.({ type: 'refreshed', server: this.#options.server, keyId });
        return token;
      } catch (error) {
        if (!(error instanceof InvalidGrantError)) throw error;
        this.#options.onEvent?.({ type: 'invalid_grant', server: this.#options.server, keyId });
        await mode.store.markBroken(keyId, grant.grantId, 'invalid_grant');
        this.#cache.delete(cacheKey);
        throw await this.#connectRequired(
          keyId,
          `Google no longer accepts this API key's ${this.#options.product} link (expired or revoked).`,
        );
      }
    };
    return {
      accountKey: grant.accountId,
      accessToken: (options) => this.#token(cacheKey, refresh, options),
      rejectedError: async () => {
        this.#cache.delete(cacheKey);
        return this.#connectRequired(
          keyId,
          `${this.#options.product} rejected this API key's Google credentials even after a refresh (access removed?).`,
        );
      },
    };
  }

  /** Forgets cached access tokens of a key (after unlinking or deleting it). */
  forget(keyId: string): void {
    for (const cacheKey of this.#cache.keys()) if (cacheKey.startsWith(`${keyId}\u0000`)) this.#cache.delete(cacheKey);
  }

  async #token(
    cacheKey: string,
    refresh: (signal?: AbortSignal) => Promise<AccessToken>,
    options: { forceRefresh?: boolean; signal?: AbortSignal } = {},
  ): Promise<string> {
    const cached = this.#cache.get(cacheKey);
    if (!options.forceRefresh && cached !== undefined && cached.token.expiresAt - this.#marginMs > Date.now()) {
      return cached.token.accessToken;
    }
    if (options.forceRefresh) this.#cache.delete(cacheKey);
    let pending = this.#inflight.get(cacheKey);
    if (pending === undefined) {
      // Not tied to one caller's AbortSignal: other requests may be waiting for the same refresh.
      pending = refresh().finally(() => this.#inflight.delete(cacheKey));
      this.#inflight.set(cacheKey, pending);
    }
    const token = await pending;
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(cacheKey, { token });
    return token.accessToken;
  }

  async #connectRequired(keyId: string, why: string): Promise<SwitchboardError> {
    const url = await this.connectLink(keyId);
    const mode = this.#options.mode;
    const minutes = mode.kind === 'per-caller' ? Math.round(mode.tickets.ttlS / 60) : 15;
    return new SwitchboardError(
      'CONNECT_REQUIRED',
      `${why} Ask the user to open ${url} in a browser to connect their Google account (the link is valid for ${minutes} minutes), then retry.`,
      { details: { connect_url: url } },
    );
  }
}

/** The authenticated context a grant's refresh token is encrypted under. */
export function grantContext(server: string, keyId: string): string {
  return `google-grant:${server}:${keyId}`;
}

/**
 * A credential around one access token, for the single call that names the account right after the
 * connect flow's code exchange (nothing is stored yet).
 */
export function staticCredential(accessToken: string, product: string): CallerCredential {
  return {
    accountKey: 'connect-flow',
    accessToken: async () => accessToken,
    rejectedError: async () =>
      new SwitchboardError('UPSTREAM_AUTH', `${product} refused the access token Google just issued.`),
  };
}
