import { randomBytes } from 'node:crypto';
import { SwitchboardError } from '@switchboard/errors';
import { errors } from 'jose';
import type { Clock } from '../clock.ts';
import type { SigningKeys } from './signing-keys.ts';

/** RFC 9068 JWT access-token type: nothing else the gateway signs carries it. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenGrant {
  keyId: string;
  secretFingerprint: string;
  clientId: string;
  scope: string;
  /** The refresh-token family the token was issued in (links an access token to its authorization). */
  familyId: string;
}

export interface AccessTokenClaims extends AccessTokenGrant {
  scopes: readonly string[];
  /** Epoch ms. */
  expiresAt: number;
}

export type AccessTokenRefusal = 'malformed' | 'signature' | 'issuer' | 'audience' | 'expired' | 'invalid';

/**
 * Access tokens are JWTs (RFC 9068) signed by the gateway and bound by `aud` to the canonical `/mcp` URL
 * (RFC 8707), so a token minted for another resource, or by another server, is refused. `sub` is the API
 * key id and `sb_sfp` the fingerprint of the key secret the user pasted: the token lives and dies with it.
 */
export class AccessTokens {
  readonly #keys: SigningKeys;
  readonly #issuer: string;
  readonly #resource: string;
  readonly #ttlS: number;
  readonly #clock: Clock;

  constructor(options: { keys: SigningKeys; issuer: string; resource: string; ttlS: number; clock: Clock }) {
    this.#keys = options.keys;
    this.#issuer = options.issuer;
    this.#resource = options.resource;
    this.#ttlS = options.ttlS;
    this.#clock = options.clock;
  }

  get ttlS(): number {
    return this.#ttlS;
  }

  async issue(grant: AccessTokenGrant, audience = this.#resource): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.#clock.now() / 1000);
    const token = await this.#keys.sign(
      { client_id: grant.clientId, scope: grant.scope, sid: grant.familyId, sb_sfp: grant.secretFingerprint },
      {
        typ: ACCESS_TOKEN_TYP,
        issuer: this.#issuer,
        audience,
        subject: grant.keyId,
        issuedAt: now,
        expiresAt: now + this.#ttlS,
        jwtId: randomBytes(16).toString('base64url'),
      },
    );
    return { token, expiresIn: this.#ttlS };
  }

  /** The claims of a valid token; throws SwitchboardError UNAUTHENTICATED (`details.reason`) otherwise. */
  async verify(token: string): Promise<AccessTokenClaims> {
    if (token.length > 4096 || token.split('.').length !== 3) throw refusal('malformed');
    let payload: Awaited<ReturnType<SigningKeys['verify']>>;
    try {
      payload = await this.#keys.verify(token, {
        typ: ACCESS_TOKEN_TYP,
        issuer: this.#issuer,
        audience: this.#resource,
        currentDate: new Date(this.#clock.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'client_id', 'sb_sfp'],
      });
    } catch (error) {
      throw refusal(reasonOf(error));
    }
    const { sub, exp, client_id, scope, sid, sb_sfp } = payload;
    if (typeof sub !== 'string' || typeof client_id !== 'string' || typeof sb_sfp !== 'string' || exp === undefined) {
      throw refusal('invalid');
    }
    const scopeText = typeof scope === 'string' ? scope : '';
    return {
      keyId: sub,
      secretFingerprint: sb_sfp,
      clientId: client_id,
      scope: scopeText,
      scopes: scopeText.split(' ').filter(Boolean),
      familyId: typeof sid === 'string' ? sid : '',
      expiresAt: exp * 1000,
    };
  }
}

function reasonOf(error: unknown): AccessTokenRefusal {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'iss') return 'issuer';
    return 'invalid';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return 'signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signature';
  return 'malformed';
}

const SENTENCES: Record<AccessTokenRefusal, string> = {
  malformed: 'The bearer token is neither a Switchboard API key nor an access token issued by this gateway.',
  signature: 'The access token was not signed by this gateway (or by a key it no longer trusts); authorize again.',
  issuer: 'The access token was issued by another authorization server; authorize with this gateway.',
  audience: 'The access token was issued for another resource, not this MCP server; authorize for this URL.',
  expired: 'The access token expired; refresh it or authorize again.',
  invalid: 'The access token is not valid for this server; authorize again.',
};

export function refusal(reason: AccessTokenRefusal): SwitchboardError {
  return new SwitchboardError('UNAUTHENTICATED', SENTENCES[reason], { details: { reason } });
}
