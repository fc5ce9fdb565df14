import { createHash } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/**
 * The ticket in a connect link (`/connect/<server>/start?ticket=…`): a short-lived HS256 JWT naming the team key
 * that may link a Google account to this server. It is signed with the caller-assertion secret (the first
 * signs, all verify), with its own issuer and audience so it can never pass as a caller assertion.
 */
export interface ConnectTicketOptions {
  secrets: string[];
  /** Tool server name (`gmail`, `drive`); the audience is `<server>-connect`. */
  server: string;
  ttlS?: number;
}

export interface ConnectTicket {
  keyId: string;
  /** Epoch seconds. */
  issuedAt: number;
}

export class ConnectTicketError extends Error {
  override readonly name = 'ConnectTicketError';
}

const encoder = new TextEncoder();

export class ConnectTickets {
  readonly #signKey: Uint8Array;
  readonly #signKid: string;
  readonly #keys: Map<string, Uint8Array>;
  readonly #audience: string;
  readonly #issuer: string;
  readonly ttlS: number;

  constructor(options: ConnectTicketOptions) {
    const [first] = options.secrets;
    if (first === undefined) throw new Error('connect tickets: at least one secret is required');
    this.#signKey = encoder.encode(first);
    this.#signKid = kidOf(first);
    this.#keys = new Map(options.secrets.map((secret) => [kidOf(secret), encoder.encode(secret)]));
    this.#audience = `${options.server}-connect`;
    this.#issuer = `switchboard-${options.server}`;
    this.ttlS = options.ttlS ?? 15 * 60;
  }

  async mint(keyId: string): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: this.#signKid, typ: 'connect-ticket+jwt' })
      .setIssuer(this.#issuer)
      .setAudience(this.#audience)
      .setSubject(keyId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlS}s`)
      .sign(this.#signKey);
  }

  async verify(ticket: string): Promise<ConnectTicket> {
    try {
      const { payload } = await jwtVerify(
        ticket,
        (header) => {
          const key = header.kid === undefined ? undefined : this.#keys.get(header.kid);
          if (key === undefined) throw new ConnectTicketError('unknown signing key');
          return key;
        },
        {
          issuer: this.#issuer,
          audience: this.#audience,
          algorithms: ['HS256'],
          typ: 'connect-ticket+jwt',
          maxTokenAge: `${this.ttlS}s`,
        },
      );
      if (typeof payload.sub !== 'string' || typeof payload.iat !== 'number') {
        throw new ConnectTicketError('malformed ticket');
      }
      return { keyId: payload.sub, issuedAt: payload.iat };
    } catch (error) {
      if (error instanceof ConnectTicketError) throw error;
      if (error instanceof errors.JWTExpired) throw new ConnectTicketError('the link has expired');
      if (error instanceof errors.JOSEError) throw new ConnectTicketError(`invalid ticket (${error.code})`);
      throw error;
    }
  }
}

function kidOf(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 8);
}
