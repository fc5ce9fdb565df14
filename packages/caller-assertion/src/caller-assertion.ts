import { createHash } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The gateway → tool server "caller assertion": a short-lived HS256 JWT that says which team key is calling,
 * with which scopes, for which tool server (audience). Tool servers accept nothing else, so a request that
 * skips the gateway (and its authentication and rate limits) is refused.
 */
export interface Caller {
  /** Key id (`key_…`) the request was authenticated with. */
  keyId: string;
  /** The key's scopes, as granted (patterns such as `gmail_*`). */
  scopes: readonly string[];
  /** Display name of the key's owner, for audit lines; never a secret. */
  owner?: string;
}

const ISSUER = 'switchboard-gateway';
const encoder = new TextEncoder();

export interface AssertionSignerOptions {
  /** First secret signs; rotation: put the new one first, keep the old one after it until replicas restart. */
  secrets: string[];
  /** Lifetime of an assertion. Short, because it is a bearer credential on the internal network. */
  ttlS?: number;
}

export class CallerAssertionSigner {
  readonly #key: Uint8Array;
  readonly #kid: string;
  readonly #ttlS: number;
  /** Signing costs ~20 µs; the hot path re-uses an assertion until half its lifetime has passed. */
  readonly #cache = new Map<string, { token: string; renewAt: number }>();

  constructor(options: AssertionSignerOptions) {
    const [secret] = options.secrets;
    if (secret === undefined) throw new Error('caller assertion: at least one secret is required');
    this.#key = encoder.encode(secret);
    this.#kid = kidOf(secret);
    this.#ttlS = options.ttlS ?? 120;
  }

  async sign(caller: Caller, audience: string): Promise<string> {
    const cacheKey = `${audience}\u0000${caller.keyId}\u0000${caller.scopes.join(',')}`;
    const now = Date.now();
    const hit = this.#cache.get(cacheKey);
    if (hit !== undefined && hit.renewAt > now) return hit.token;
    const token = await new SignJWT({
      scp: caller.scopes,
      ...(caller.owner === undefined ? {} : { own: caller.owner }),
    })
      .setProtectedHeader({ alg: 'HS256', kid: this.#kid })
      .setIssuer(ISSUER)
      .setSubject(caller.keyId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${this.#ttlS}s`)
      .sign(this.#key);
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(cacheKey, { token, renewAt: now + (this.#ttlS * 1000) / 2 });
    return token;
  }
}

export class CallerAssertionError extends Error {
  override readonly name = 'CallerAssertionError';
}

export class CallerAssertionVerifier {
  readonly #keys: Map<string, Uint8Array>;
  readonly #audience: string;
  readonly #cache = new Map<string, { caller: Caller; exp: number }>();

  constructor(options: { secrets: string[]; audience: string }) {
    if (options.secrets.length === 0) throw new Error('caller assertion: at least one secret is required');
    this.#keys = new Map(options.secrets.map((s) => [kidOf(s), encoder.encode(s)]));
    this.#audience = options.audience;
  }

  /** Verifies `Authorization: Bearer <assertion>`; throws CallerAssertionError with a reason otherwise. */
  async verify(authorization: string | undefined): Promise<Caller> {
    if (authorization === undefined || !authorization.startsWith('Bearer ')) {
      throw new CallerAssertionError('missing caller assertion');
    }
    const token = authorization.slice(7);
    const now = Date.now() / 1000;
    const hit = this.#cache.get(token);
    if (hit !== undefined && hit.exp > now) return hit.caller;
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.#keys.get(header.kid);
          if (key === undefined) throw new CallerAssertionError('unknown signing key');
          return key;
        },
        { issuer: ISSUER, audience: this.#audience, algorithms: ['HS256'] },
      );
      if (typeof payload.sub !== 'string' || !Array.isArray(payload['scp'])) {
        throw new CallerAssertionError('malformed caller assertion');
      }
      const caller: Caller = {
        keyId: payload.sub,
        scopes: payload['scp'].filter((s): s is string => typeof s === 'string'),
        ...(typeof payload['own'] === 'string' ? { owner: payload['own'] } : {}),
      };
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(token, { caller, exp: payload.exp ?? now });
      return caller;
    } catch (error) {
      if (error instanceof CallerAssertionError) throw error;
      if (error instanceof errors.JOSEError) throw new CallerAssertionError(`invalid caller assertion (${error.code})`);
      throw error;
    }
  }
}

/** A non-secret identifier of a secret, so verifiers pick the right one during rotation. */
function kidOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 8);
}
