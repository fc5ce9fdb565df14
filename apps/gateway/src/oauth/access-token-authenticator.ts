import { SwitchboardError } from '@switchboard/errors';
import type { Clock } from '../clock.ts';
import type { CallerKey, McpAuthenticator } from '../mcp/caller-key.ts';
import { type AccessTokenClaims, type AccessTokens, refusal } from './access-tokens.ts';
import type { BoundKeys } from './bound-keys.ts';

/** The OAuth scope `/mcp` requires; the tools a token reaches are the ones its API key's scopes grant. */
export const MCP_SCOPE = 'mcp';

/**
 * `/mcp` authentication for OAuth access tokens. The signature is checked once per token (verified claims
 * are cached until the token expires); the key behind the token is checked on every request through
 * `BoundKeys`, whose cache follows key invalidations, so a revoked key stops its tokens within a second.
 */
export class AccessTokenAuthenticator implements McpAuthenticator {
  readonly #tokens: AccessTokens;
  readonly #keys: BoundKeys;
  readonly #clock: Clock;
  readonly #maxEntries: number;
  readonly #verified = new Map<string, AccessTokenClaims>();

  constructor(options: { tokens: AccessTokens; keys: BoundKeys; clock: Clock; maxEntries?: number | undefined }) {
    this.#tokens = options.tokens;
    this.#keys = options.keys;
    this.#clock = options.clock;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  async authenticate(token: string, ip: string): Promise<CallerKey> {
    let claims = this.#verified.get(token);
    if (claims === undefined) {
      claims = await this.#tokens.verify(token);
      if (this.#verified.size >= this.#maxEntries) {
        const oldest = this.#verified.keys().next();
        if (!oldest.done) this.#verified.delete(oldest.value);
      }
      this.#verified.set(token, claims);
    } else if (claims.expiresAt <= this.#clock.now()) {
      this.#verified.delete(token);
      throw refusal('expired');
    }
    if (!claims.scopes.includes(MCP_SCOPE)) {
      throw new SwitchboardError('SCOPE_DENIED', `This access token lacks the "${MCP_SCOPE}" scope; authorize again.`, {
        details: { oauth_error: 'insufficient_scope', required_scope: MCP_SCOPE },
      });
    }
    return this.#keys.resolve(claims.keyId, claims.secretFingerprint, ip);
  }
}
