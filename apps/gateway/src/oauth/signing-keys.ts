import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, errors, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { OAuthStore } from './oauth-store.ts';

interface SigningKey {
  kid: string;
  alg: string;
  /** Null for a key kept only to verify tokens it signed before a rotation. */
  privateKey: KeyObject | null;
  publicKey: KeyObject;
  publicJwk: JWK;
}

export interface SignOptions {
  /** JOSE `typ` header: tells token kinds apart, so no token can stand in for another (RFC 8725 §3.11). */
  typ: string;
  issuer: string;
  audience: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  subject?: string | undefined;
  jwtId?: string | undefined;
}

export interface VerifyOptions {
  typ: string;
  issuer: string;
  audience: string;
  currentDate: Date;
  requiredClaims?: string[] | undefined;
}

/**
 * The keys the gateway signs its JWTs with (access tokens, consent-form state), and the JWKS it publishes.
 * One key signs; every key verifies, so a new key can be rolled in while tokens signed by the old one run
 * out. Keys come from configuration or, when none is configured, are generated once and stored through
 * `OAuthStore.claimSigningKeys` (Redis: the first replica's key wins and every replica uses it).
 */
export class SigningKeys {
  readonly #signer: SigningKey;
  readonly #byKid: Map<string, SigningKey>;
  readonly #algorithms: string[];

  private constructor(keys: SigningKey[]) {
    const signer = keys.find((k) => k.privateKey !== null);
    if (signer === undefined)
      throw new Error('GATEWAY_OAUTH_SIGNING_KEY holds no private key; one key must be able to sign.');
    this.#signer = signer;
    this.#byKid = new Map(keys.map((k) => [k.kid, k]));
    this.#algorithms = [...new Set(keys.map((k) => k.alg))];
  }

  /** Parses `GATEWAY_OAUTH_SIGNING_KEY` (JWK, JWK Set or PEM blocks), or generates and shares a P-256 key. */
  static async load(options: {
    configured: string | undefined;
    store: OAuthStore;
  }): Promise<{ keys: SigningKeys; generated: boolean }> {
    if (options.configured !== undefined)
      return { keys: await SigningKeys.parse(options.configured), generated: false };
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const candidate = JSON.stringify({ keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'ES256' }] });
    const stored = await options.store.claimSigningKeys(candidate);
    return { keys: await SigningKeys.parse(stored), generated: true };
  }

  static async parse(text: string): Promise<SigningKeys> {
    const trimmed = text.trim();
    const objects: KeyObject[] = [];
    const declaredAlgs: (string | undefined)[] = [];
    const declaredKids: (string | undefined)[] = [];
    if (trimmed.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        throw new Error('GATEWAY_OAUTH_SIGNING_KEY looks like JSON but does not parse.');
      }
      const jwks = (parsed as { keys?: unknown }).keys;
      const list = Array.isArray(jwks) ? (jwks as JWK[]) : [parsed as JWK];
      for (const jwk of list) {
        objects.push(
          jwk.d === undefined
            ? createPublicKey({ key: jwk as never, format: 'jwk' })
            : createPrivateKey({ key: jwk as never, format: 'jwk' }),
        );
        declaredAlgs.push(jwk.alg);
        declaredKids.push(jwk.kid);
      }
    } else {
      // Environment files often carry PEM with literal "\n"s.
      const pem = trimmed.replaceAll('\\n', '\n');
      const blocks = pem.match(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g) ?? [];
      if (blocks.length === 0) throw new Error('GATEWAY_OAUTH_SIGNING_KEY is neither a JWK (Set) nor PEM.');
      for (const block of blocks) {
        objects.push(block.includes('PRIVATE KEY') ? createPrivateKey(block) : createPublicKey(block));
        declaredAlgs.push(undefined);
        declaredKids.push(undefined);
      }
    }
    const keys: SigningKey[] = [];
    for (const [index, object] of objects.entries()) {
      const publicKey = object.type === 'private' ? createPublicKey(object) : object;
      const alg = algorithmOf(publicKey, declaredAlgs[index]);
      const exported = publicKey.export({ format: 'jwk' }) as JWK;
      const kid = declaredKids[index] ?? (await calculateJwkThumbprint(exported));
      keys.push({
        kid,
        alg,
        privateKey: object.type === 'private' ? object : null,
        publicKey,
        publicJwk: { ...exported, kid, alg, use: 'sig' },
      });
    }
    if (new Set(keys.map((k) => k.kid)).size !== keys.length)
      throw new Error('GATEWAY_OAUTH_SIGNING_KEY repeats a kid.');
    return new SigningKeys(keys);
  }

  /** The public keys, as served at the JWKS URI. */
  get jwks(): { keys: JWK[] } {
    return { keys: [...this.#byKid.values()].map((k) => ({ ...k.publicJwk })) };
  }

  get signingAlgorithm(): string {
    return this.#signer.alg;
  }

  async sign(claims: JWTPayload, options: SignOptions): Promise<string> {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: this.#signer.alg, kid: this.#signer.kid, typ: options.typ })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt(options.issuedAt)
      .setExpirationTime(options.expiresAt);
    if (options.subject !== undefined) jwt = jwt.setSubject(options.subject);
    if (options.jwtId !== undefined) jwt = jwt.setJti(options.jwtId);
    return jwt.sign(this.#signer.privateKey as KeyObject);
  }

  /** Throws a jose error (`code` says why) for anything but a current token of this kind and audience. */
  async verify(token: string, options: VerifyOptions): Promise<JWTPayload> {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = header.kid === undefined ? undefined : this.#byKid.get(header.kid);
        if (key === undefined || key.alg !== header.alg) throw new errors.JWKSNoMatchingKey();
        return key.publicKey;
      },
      {
        typ: options.typ,
        issuer: options.issuer,
        audience: options.audience,
        algorithms: this.#algorithms,
        currentDate: options.currentDate,
        requiredClaims: options.requiredClaims ?? [],
      },
    );
    return payload;
  }
}

function algorithmOf(publicKey: KeyObject, declared: string | undefined): string {
  const type = publicKey.asymmetricKeyType;
  const details = publicKey.asymmetricKeyDetails;
  let alg: string;
  if (type === 'ec') {
    const curves: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
    alg = curves[details?.namedCurve ?? ''] ?? '';
  } else if (type === 'ed25519') {
    alg = 'EdDSA';
  } else if (type === 'rsa') {
    if ((details?.modulusLength ?? 0) < 2048)
      throw new Error('GATEWAY_OAUTH_SIGNING_KEY: RSA keys need at least 2048 bits.');
    alg = declared !== undefined && ['RS256', 'PS256'].includes(declared) ? declared : 'RS256';
  } else {
    alg = '';
  }
  if (alg === '')
    throw new Error(`GATEWAY_OAUTH_SIGNING_KEY: unsupported key type ${type}; use P-256, Ed25519 or RSA.`);
  if (declared !== undefined && declared !== alg && type !== 'rsa') {
    throw new Error(`GATEWAY_OAUTH_SIGNING_KEY: a ${type} key cannot sign ${declared}.`);
  }
  return alg;
}
