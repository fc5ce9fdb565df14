import { randomBytes } from 'node:crypto';
import { isSwitchboardError } from '@switchboard/errors';
import type { Clock } from '../clock.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { BoundKeyRefusal, BoundKeys } from './bound-keys.ts';
import type { ResolvedClient } from './oauth-clients.ts';
import { OAuthError } from './oauth-error.ts';
import { randomSecret, SECRET_PREFIX, sha256Hex } from './oauth-secrets.ts';
import type { FamilyRecord, OAuthStore } from './oauth-store.ts';
import { isCodeVerifier, verifyS256 } from './pkce.ts';

/** The token endpoint's successful answer (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface CodeRequest {
  client: ResolvedClient;
  redirectUri: string;
  codeChallenge: string;
  resource: string;
  scope: string;
  keyId: string;
  secretFingerprint: string;
}

export interface OAuthGrantsOptions {
  store: OAuthStore;
  tokens: AccessTokens;
  keys: BoundKeys;
  clock: Clock;
  refreshTtlS: number;
  /** How long a code can be redeemed; default 60 s (RFC 6749 §4.1.2 recommends at most 10 minutes). */
  codeTtlS?: number | undefined;
}

/** A used code is remembered this long, so a replay is recognised (and revokes what the code produced). */
const CODE_MEMORY_MS = 10 * 60 * 1000;
const FAMILY_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * The grants behind `/authorize` and `/token`: authorization codes (single use, short-lived, PKCE S256),
 * and refresh tokens that rotate on every use, in families: reusing a rotated-out token revokes the family.
 * Every grant stays bound to the API key (and the key's secret) the user consented with; a grant whose
 * key was revoked, expired or rotated out (past its grace) yields nothing.
 */
export class OAuthGrants {
  readonly #store: OAuthStore;
  readonly #tokens: AccessTokens;
  readonly #keys: BoundKeys;
  readonly #clock: Clock;
  readonly #refreshTtlMs: number;
  readonly #codeTtlMs: number;

  constructor(options: OAuthGrantsOptions) {
    this.#store = options.store;
    this.#tokens = options.tokens;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#refreshTtlMs = options.refreshTtlS * 1000;
    this.#codeTtlMs = (options.codeTtlS ?? 60) * 1000;
  }

  async issueCode(request: CodeRequest): Promise<string> {
    const code = randomSecret(SECRET_PREFIX.code);
    const now = this.#clock.now();
    await this.#store.saveCode(
      sha256Hex(code),
      {
        clientId: request.client.id,
        redirectUri: request.redirectUri,
        codeChallenge: request.codeChallenge,
        resource: request.resource,
        scope: request.scope,
        keyId: request.keyId,
        secretFingerprint: request.secretFingerprint,
        createdAt: now,
        expiresAt: now + this.#codeTtlMs,
      },
      Math.max(CODE_MEMORY_MS, this.#codeTtlMs),
    );
    return code;
  }

  async exchangeCode(input: {
    client: ResolvedClient;
    code: string | undefined;
    redirectUri: string | undefined;
    codeVerifier: string | undefined;
    resource: string | undefined;
  }): Promise<TokenResponse> {
    const { client, code } = input;
    if (code === undefined || code === '') throw new OAuthError('invalid_request', 'code is required.');
    if (input.codeVerifier === undefined || input.codeVerifier === '') {
      throw new OAuthError('invalid_request', 'code_verifier is required: this server requires PKCE (S256).');
    }
    if (!isCodeVerifier(input.codeVerifier)) {
      throw new OAuthError('invalid_request', 'code_verifier must be 43–128 unreserved characters (RFC 7636).');
    }
    if (input.redirectUri === undefined || input.redirectUri === '') {
      throw new OAuthError('invalid_request', 'redirect_uri is required and must be the one sent to /authorize.');
    }
    const hash = sha256Hex(code);
    const record = code.startsWith(SECRET_PREFIX.code) ? await this.#store.getCode(hash) : null;
    if (record === null) throw new OAuthError('invalid_grant', 'The authorization code is unknown or expired.');
    if (record.clientId !== client.id)
      throw new OAuthError('invalid_grant', 'The authorization code was issued to another client.');
    if (record.redirectUri !== input.redirectUri) {
      throw new OAuthError('invalid_grant', 'redirect_uri does not match the one the code was issued for.');
    }
    if (!verifyS256(input.codeVerifier, record.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE).');
    }
    if (input.resource !== undefined && !sameResource(input.resource, record.resource)) {
      throw new OAuthError('invalid_target', `The code was issued for ${record.resource}, not ${input.resource}.`);
    }
    if (record.expiresAt <= this.#clock.now()) throw new OAuthError('invalid_grant', 'The authorization code expired.');
    await this.#requireKey(record.keyId, record.secretFingerprint);

    const familyId = randomBytes(16).toString('base64url');
    const consumed = await this.#store.consumeCode(hash, familyId);
    if (consumed.status === 'already-used') {
      if (consumed.familyId !== null) await this.#store.deleteFamily(consumed.familyId);
      throw new OAuthError(
        'invalid_grant',
        'The authorization code was already used; the tokens issued for it have been revoked. Authorize again.',
      );
    }
    if (consumed.status === 'missing')
      throw new OAuthError('invalid_grant', 'The authorization code is unknown or expired.');
    const now = this.#clock.now();
    const family: FamilyRecord = {
      id: familyId,
      clientId: client.id,
      keyId: record.keyId,
      secretFingerprint: record.secretFingerprint,
      scope: record.scope,
      resource: record.resource,
      createdAt: now,
      expiresAt: now + this.#refreshTtlMs,
    };
    const refreshToken = newRefreshToken(familyId);
    await this.#store.createFamily(family, sha256Hex(refreshToken), this.#refreshTtlMs);
    return this.#respond(family, refreshToken);
  }

  async refresh(input: {
    client: ResolvedClient;
    refreshToken: string | undefined;
    resource: string | undefined;
    scope: string | undefined;
  }): Promise<TokenResponse> {
    const { client } = input;
    if (input.refreshToken === undefined || input.refreshToken === '') {
      throw new OAuthError('invalid_request', 'refresh_token is required.');
    }
    const familyId = familyOf(input.refreshToken);
    const family = familyId === null ? null : await this.#store.getFamily(familyId);
    if (family === null) throw new OAuthError('invalid_grant', 'The refresh token is unknown, expired or revoked.');
    if (family.clientId !== client.id)
      throw new OAuthError('invalid_grant', 'The refresh token was issued to another client.');
    if (family.expiresAt <= this.#clock.now()) {
      await this.#store.deleteFamily(family.id);
      throw new OAuthError('invalid_grant', 'The refresh token expired; authorize again.');
    }
    if (input.resource !== undefined && !sameResource(input.resource, family.resource)) {
      throw new OAuthError('invalid_target', `The refresh token is for ${family.resource}, not ${input.resource}.`);
    }
    if (input.scope !== undefined) {
      const granted = new Set(family.scope.split(' '));
      const extra = input.scope.split(' ').filter((s) => s !== '' && !granted.has(s));
      if (extra.length > 0) throw new OAuthError('invalid_scope', `Scope ${extra.join(' ')} was not granted.`);
    }
    try {
      await this.#requireKey(family.keyId, family.secretFingerprint);
    } catch (error) {
      await this.#store.deleteFamily(family.id);
      throw error;
    }
    const next = newRefreshToken(family.id);
    const expiresAt = this.#clock.now() + this.#refreshTtlMs;
    const outcome = await this.#store.rotateFamily(
      family.id,
      sha256Hex(input.refreshToken),
      sha256Hex(next),
      expiresAt,
      this.#refreshTtlMs,
    );
    if (outcome === 'reused') {
      throw new OAuthError(
        'invalid_grant',
        'This refresh token was already used. Every token of this authorization has been revoked, in case it leaked; authorize again.',
      );
    }
    if (outcome !== 'rotated')
      throw new OAuthError('invalid_grant', 'The refresh token is unknown, expired or revoked.');
    return this.#respond({ ...family, expiresAt }, next);
  }

  /**
   * RFC 7009: revokes the refresh-token family a refresh or access token belongs to. Unknown or invalid
   * tokens are not an error (§2.2). An access token itself stays valid until it expires (minutes).
   */
  async revoke(client: ResolvedClient, token: string | undefined): Promise<void> {
    if (token === undefined || token === '') throw new OAuthError('invalid_request', 'token is required.');
    let familyId = familyOf(token);
    if (familyId === null) {
      const claims = await this.#tokens.verify(token).catch(() => null);
      if (claims === null || claims.familyId === '') return;
      if (claims.clientId !== client.id)
        throw new OAuthError('unauthorized_client', 'The token was issued to another client.');
      familyId = claims.familyId;
    }
    const family = await this.#store.getFamily(familyId);
    if (family === null) return;
    if (family.clientId !== client.id)
      throw new OAuthError('unauthorized_client', 'The token was issued to another client.');
    await this.#store.deleteFamily(familyId);
  }

  async #respond(family: FamilyRecord, refreshToken: string): Promise<TokenResponse> {
    const access = await this.#tokens.issue({
      keyId: family.keyId,
      secretFingerprint: family.secretFingerprint,
      clientId: family.clientId,
      scope: family.scope,
      familyId: family.id,
    });
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
      scope: family.scope,
    };
  }

  async #requireKey(keyId: string, fingerprint: string): Promise<void> {
    let outcome: Awaited<ReturnType<BoundKeys['check']>>;
    try {
      outcome = await this.#keys.check(keyId, fingerprint);
    } catch (error) {
      if (isSwitchboardError(error) && error.code === 'STORE_UNAVAILABLE') {
        throw new OAuthError('temporarily_unavailable', 'The key store is unavailable; retry in a moment.', {
          cause: error,
        });
      }
      throw error;
    }
    if (typeof outcome === 'string') throw new OAuthError('invalid_grant', KEY_SENTENCES[outcome](keyId));
  }
}

const KEY_SENTENCES: Record<BoundKeyRefusal, (keyId: string) => string> = {
  unknown: (id) => `The API key this authorization was granted with (${id}) no longer exists; authorize again.`,
  revoked: (id) =>
    `API key ${id}, which this authorization was granted with, was revoked; authorize again with a current key.`,
  expired: (id) =>
    `API key ${id}, which this authorization was granted with, expired; authorize again with a current key.`,
  rotated: (id) =>
    `The secret of API key ${id} this authorization was granted with was rotated out; authorize again with the new secret.`,
};

/** `sbrt_<family id>.<secret>`: the family id lets one Redis key (one hash slot) hold a whole family. */
function newRefreshToken(familyId: string): string {
  return `${SECRET_PREFIX.refreshToken}${familyId}.${randomBytes(32).toString('base64url')}`;
}

function familyOf(token: string): string | null {
  if (!token.startsWith(SECRET_PREFIX.refreshToken)) return null;
  const [familyId, secret] = token.slice(SECRET_PREFIX.refreshToken.length).split('.');
  return familyId !== undefined && FAMILY_ID_PATTERN.test(familyId) && secret !== undefined && secret.length === 43
    ? familyId
    : null;
}

/** RFC 8707 resource URIs compare as URLs (scheme and host are case-insensitive), without a trailing slash. */
export function sameResource(a: string, b: string): boolean {
  const left = URL.parse(a);
  const right = URL.parse(b);
  if (left === null || right === null || left.hash !== '' || right.hash !== '') return false;
  const strip = (u: URL) => u.href.replace(/\/$/, '');
  return strip(left) === strip(right);
}
