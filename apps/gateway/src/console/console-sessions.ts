import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';

export interface ConsoleSession {
  /** The credential the person signed in with (admin token or admin-scoped key); every API call carries it. */
  credential: string;
  /** The CSRF token every state-changing form of this session must carry. */
  csrf: string;
}

const DEFAULT_TTL_S = 8 * 3600;

/**
 * Console sign-in sessions without server-side state: the cookie is a JWE (`dir` + `A256GCM`, jose) sealing
 * the credential, so any replica opens it and nobody can read or forge it. The sealing and CSRF keys are
 * derived (HKDF) from the admin token every replica already shares; changing that token ends every session.
 * The CSRF token is an HMAC of the session's random id: a synchronizer token that needs no storage either.
 */
export class ConsoleSessions {
  readonly ttlS: number;
  readonly #sealKey: Uint8Array;
  readonly #csrfKey: Buffer;

  constructor(adminToken: string, options: { ttlS?: number } = {}) {
    this.ttlS = options.ttlS ?? DEFAULT_TTL_S;
    this.#sealKey = new Uint8Array(hkdfSync('sha256', adminToken, 'switchboard', 'console session seal', 32));
    this.#csrfKey = Buffer.from(hkdfSync('sha256', adminToken, 'switchboard', 'console csrf', 32));
  }

  async seal(credential: string): Promise<{ cookie: string; session: ConsoleSession }> {
    const id = randomBytes(16).toString('base64url');
    const cookie = await new EncryptJWT({ cred: credential })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setJti(id)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlS}s`)
      .encrypt(this.#sealKey);
    return { cookie, session: { credential, csrf: this.#csrfFor(id) } };
  }

  /** The session sealed in `cookie`, or null when it is missing, forged, tampered with or expired. */
  async open(cookie: string | undefined): Promise<ConsoleSession | null> {
    if (cookie === undefined || cookie.length === 0 || cookie.length > 4096) return null;
    try {
      const { payload } = await jwtDecrypt(cookie, this.#sealKey, { keyManagementAlgorithms: ['dir'] });
      const credential = payload['cred'];
      if (typeof credential !== 'string' || typeof payload.jti !== 'string') return null;
      return { credential, csrf: this.#csrfFor(payload.jti) };
    } catch {
      return null;
    }
  }

  /** Constant-time comparison of a submitted CSRF token with the session's. */
  static csrfMatches(session: ConsoleSession, submitted: unknown): boolean {
    if (typeof submitted !== 'string') return false;
    const a = Buffer.from(submitted);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #csrfFor(id: string): string {
    return createHmac('sha256', this.#csrfKey).update(id).digest('base64url');
  }
}
