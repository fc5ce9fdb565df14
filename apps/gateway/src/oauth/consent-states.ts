import type { Clock } from '../clock.ts';
import type { OAuthEndpoints } from './oauth-endpoints.ts';
import type { SigningKeys } from './signing-keys.ts';

/** The authorization request as validated by GET /authorize, carried (signed) through the consent steps. */
export interface PendingAuthorization {
  client_id: string;
  redirect_uri: string;
  state?: string | undefined;
  code_challenge: string;
  scope: string;
  resource: string;
  /** SHA-256 of the CSRF token in the form and the cookie. */
  csrf: string;
  step: 'key' | 'grant';
  /** Set once the person pasted a working key: which key, and which of its secrets. */
  key?: { id: string; sfp: string; name: string; owner: string; prefix: string; scopes: string[] } | undefined;
}

/** How long a person has to finish the consent pages. */
export const CONSENT_TTL_S = 15 * 60;
const CONSENT_TYP = 'sb-consent+jwt';

/**
 * Seals a pending authorization into a short-lived JWT signed by the gateway, for the consent form to carry:
 * nothing is stored before the person approves, and any replica can continue what another one began. Its
 * own `typ` and audience keep it from ever passing as an access token (and the reverse).
 */
export class ConsentStates {
  readonly #signing: SigningKeys;
  readonly #endpoints: OAuthEndpoints;
  readonly #clock: Clock;

  constructor(options: { signing: SigningKeys; endpoints: OAuthEndpoints; clock: Clock }) {
    this.#signing = options.signing;
    this.#endpoints = options.endpoints;
    this.#clock = options.clock;
  }

  async seal(state: PendingAuthorization): Promise<string> {
    const now = Math.floor(this.#clock.now() / 1000);
    return this.#signing.sign(
      { req: state },
      {
        typ: CONSENT_TYP,
        issuer: this.#endpoints.issuer,
        audience: this.#endpoints.authorization,
        issuedAt: now,
        expiresAt: now + CONSENT_TTL_S,
      },
    );
  }

  /** The pending authorization, or null if the token is missing, altered or expired. */
  async open(token: string | undefined): Promise<PendingAuthorization | null> {
    if (token === undefined) return null;
    try {
      const payload = await this.#signing.verify(token, {
        typ: CONSENT_TYP,
        issuer: this.#endpoints.issuer,
        audience: this.#endpoints.authorization,
        currentDate: new Date(this.#clock.now()),
      });
      return (payload['req'] ?? null) as PendingAuthorization | null;
    } catch {
      return null;
    }
  }
}
