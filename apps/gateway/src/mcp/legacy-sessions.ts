import { hkdfSync, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CompactEncrypt, compactDecrypt } from 'jose';
import type { EventHub } from '../events/event-hub.ts';

/**
 * Legacy (2025-era) sessions without sticky routing: the `Mcp-Session-Id` is itself the session, sealed with
 * JWE (dir + A256GCM) so any replica that shares the secret can open it, nobody can forge or read it, and a
 * restart loses nothing. What a session must remember for its whole life (negotiated version, the key it is
 * bound to, the client's capabilities) is inside the id; the gateway keeps no per-session state, so an idle
 * or abandoned session costs no memory anywhere.
 *
 * Ending a session (DELETE) is the one fact that must be shared: it is recorded in Redis (a sorted set scored
 * by the session's expiry) and announced on the event hub; each replica keeps the set of ended sessions in
 * memory, so checking costs no round trip.
 */
export interface LegacySession {
  /** Random id of the session (inside the sealed token); keys cancellation and revocation. */
  nonce: string;
  protocolVersion: string;
  keyId: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string } | undefined;
  expiresAt: number;
}

interface SealedPayload {
  n: string;
  v: string;
  k: string;
  c: Record<string, unknown>;
  i?: { name: string; version: string };
  e: number;
}

const REVOKED_KEY = 'sb:gateway:{sessions}:ended';

export class LegacySessions {
  readonly #keys: { kid: string; key: Uint8Array }[];
  readonly #ttlS: number;
  readonly #now: () => number;
  readonly #opened = new Map<string, LegacySession>();
  readonly #ended = new Map<string, number>();
  readonly #redis: Redis | undefined;
  readonly #hub: EventHub;
  readonly #maxCached = 20_000;

  constructor(options: { secrets: string[]; ttlS: number; redis?: Redis; hub: EventHub; now?: () => number }) {
    if (options.secrets.length === 0) throw new Error('legacy sessions need at least one secret');
    this.#keys = options.secrets.map((secret) => ({
      kid: Buffer.from(hkdfSync('sha256', secret, 'switchboard', 'session-kid', 6)).toString('base64url'),
      key: new Uint8Array(hkdfSync('sha256', secret, 'switchboard', 'session-jwe', 32)),
    }));
    this.#ttlS = options.ttlS;
    this.#now = options.now ?? Date.now;
    this.#redis = options.redis;
    this.#hub = options.hub;
    this.#hub.subscribe((message) => {
      if (message.type === 'session-ended') this.#markEnded(message.session, message.expiresAt);
    });
  }

  /** Loads sessions ended before this replica started (they must stay ended). */
  async start(): Promise<void> {
    if (this.#redis === undefined) return;
    const now = this.#now();
    await this.#redis.zremrangebyscore(REVOKED_KEY, '-inf', now).catch(() => 0);
    const rows = await this.#redis.zrangebyscore(REVOKED_KEY, now, '+inf', 'WITHSCORES').catch(() => [] as string[]);
    for (let i = 0; i + 1 < rows.length; i += 2) this.#markEnded(rows[i] as string, Number(rows[i + 1]));
  }

  async issue(session: Omit<LegacySession, 'nonce' | 'expiresAt'>): Promise<{ id: string; session: LegacySession }> {
    const nonce = randomBytes(16).toString('base64url');
    const expiresAt = this.#now() + this.#ttlS * 1000;
    const payload: SealedPayload = {
      n: nonce,
      v: session.protocolVersion,
      k: session.keyId,
      c: session.clientCapabilities,
      e: expiresAt,
      ...(session.clientInfo === undefined ? {} : { i: session.clientInfo }),
    };
    const [signing] = this.#keys;
    const id = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: signing!.kid })
      .encrypt(signing!.key);
    return { id, session: { ...session, nonce, expiresAt } };
  }

  /** The session an id names, or undefined when it is forged, expired or ended. */
  async open(id: string): Promise<LegacySession | undefined> {
    let session = this.#opened.get(id);
    if (session === undefined) {
      session = await this.#unseal(id);
      if (session === undefined) return undefined;
      if (this.#opened.size >= this.#maxCached) this.#opened.delete(this.#opened.keys().next().value as string);
      this.#opened.set(id, session);
    }
    if (session.expiresAt <= this.#now() || this.#ended.has(session.nonce)) return undefined;
    return session;
  }

  async end(session: LegacySession): Promise<void> {
    this.#markEnded(session.nonce, session.expiresAt);
    if (this.#redis !== undefined) {
      await this.#redis.zadd(REVOKED_KEY, session.expiresAt, session.nonce);
    }
    await this.#hub.publish({ type: 'session-ended', session: session.nonce, expiresAt: session.expiresAt });
  }

  #markEnded(nonce: string, expiresAt: number): void {
    this.#ended.set(nonce, expiresAt);
    if (this.#ended.size % 1000 === 0) {
      const now = this.#now();
      for (const [n, exp] of this.#ended) if (exp <= now) this.#ended.delete(n);
    }
  }

  async #unseal(id: string): Promise<LegacySession | undefined> {
    if (id.length > 4096 || !/^[A-Za-z0-9_.-]+$/.test(id)) return undefined;
    try {
      const { plaintext } = await compactDecrypt(id, (header) => {
        const match = this.#keys.find((k) => k.kid === header.kid);
        if (match === undefined) throw new Error('unknown session key');
        return match.key;
      });
      const p = JSON.parse(new TextDecoder().decode(plaintext)) as SealedPayload;
      return { nonce: p.n, protocolVersion: p.v, keyId: p.k, clientCapabilities: p.c, clientInfo: p.i, expiresAt: p.e };
    } catch {
      return undefined;
    }
  }
}
