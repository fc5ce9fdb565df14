import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { Clock } from '../clock.ts';
import { isPublicAddress } from './address-policy.ts';
import { type ClientMetadata, parseClientMetadata } from './client-metadata.ts';
import { isOAuthError, OAuthError } from './oauth-error.ts';

export interface ClientMetadataDocumentsOptions {
  clock: Clock;
  /** `host` or `host:port` entries whose documents may come from private or loopback addresses. */
  allowedHosts?: readonly string[] | undefined;
  /** Extra CA certificates (PEM) trusted for these fetches. */
  extraCa?: string | undefined;
  timeoutMs?: number | undefined;
  maxBytes?: number | undefined;
  /** Bounds on how long a fetched document is reused (its Cache-Control max-age, clamped); seconds. */
  cache?: { minS: number; maxS: number; defaultS: number } | undefined;
  maxEntries?: number | undefined;
}

interface Cached {
  metadata: ClientMetadata;
  expiresAt: number;
}

const PRIVATE_ADDRESS = 'SB_PRIVATE_ADDRESS';

/**
 * Clients identified by an https URL (OAuth Client ID Metadata Document, draft-ietf-oauth-client-id-
 * metadata-document; MCP 2025-11-25 "Client ID Metadata Documents"): the URL is fetched, and the JSON there
 * describes the client. The URL comes from whoever calls `/authorize`, so the fetch is an SSRF risk and is
 * fenced: https only, no redirects, a public address for every DNS answer (checked at connect time, so DNS
 * rebinding cannot slip a private address in after the check), a time limit and a size limit. Documents
 * are cached per replica within their Cache-Control lifetime.
 */
export class ClientMetadataDocuments {
  readonly #clock: Clock;
  readonly #allowed: Set<string>;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #cacheBounds: { minS: number; maxS: number; defaultS: number };
  readonly #maxEntries: number;
  readonly #guarded: Agent;
  readonly #trusted: Agent;
  readonly #cache = new Map<string, Cached>();
  readonly #inFlight = new Map<string, Promise<ClientMetadata>>();

  constructor(options: ClientMetadataDocumentsOptions) {
    this.#clock = options.clock;
    this.#allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#maxBytes = options.maxBytes ?? 16 * 1024;
    this.#cacheBounds = options.cache ?? { minS: 60, maxS: 86_400, defaultS: 300 };
    this.#maxEntries = options.maxEntries ?? 1_000;
    const ca = options.extraCa === undefined ? {} : { ca: [...rootCertificates, options.extraCa] };
    const timeouts = { headersTimeout: this.#timeoutMs, bodyTimeout: this.#timeoutMs };
    this.#guarded = new Agent({ ...timeouts, connect: { ...ca, timeout: this.#timeoutMs, lookup: publicOnlyLookup } });
    this.#trusted = new Agent({ ...timeouts, connect: { ...ca, timeout: this.#timeoutMs } });
  }

  /** The client a metadata-document URL describes; throws OAuthError `invalid_client` saying why not. */
  async resolve(clientId: string): Promise<ClientMetadata> {
    const cached = this.#cache.get(clientId);
    if (cached !== undefined && cached.expiresAt > this.#clock.now()) return cached.metadata;
    let pending = this.#inFlight.get(clientId);
    if (pending === undefined) {
      pending = this.#fetch(clientId).finally(() => this.#inFlight.delete(clientId));
      this.#inFlight.set(clientId, pending);
    }
    return pending;
  }

  async close(): Promise<void> {
    await Promise.all([this.#guarded.close(), this.#trusted.close()]);
  }

  async #fetch(clientId: string): Promise<ClientMetadata> {
    const url = new URL(clientId);
    const trusted = this.#allowed.has(url.host.toLowerCase()) || this.#allowed.has(url.hostname.toLowerCase());
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (!trusted && isIP(literal) !== 0 && !isPublicAddress(literal)) {
      throw refuse(
        clientId,
        `its host ${url.hostname} is a private or special-purpose address, which this server does not fetch`,
      );
    }
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(url, {
        method: 'GET',
        dispatcher: trusted ? this.#trusted : this.#guarded,
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      if (hasCode(error, PRIVATE_ADDRESS)) {
        throw refuse(
          clientId,
          `${url.hostname} resolves to a private or special-purpose address, which this server does not fetch`,
        );
      }
      throw refuse(clientId, `it could not be fetched (${describe(error)})`);
    }
    let body: Buffer;
    try {
      if (response.statusCode !== 200) {
        throw refuse(
          clientId,
          `fetching it answered HTTP ${response.statusCode}, not 200 (redirects are not followed)`,
        );
      }
      const declared = Number(response.headers['content-length'] ?? '0');
      if (declared > this.#maxBytes) throw refuse(clientId, `it is larger than ${this.#maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > this.#maxBytes) throw refuse(clientId, `it is larger than ${this.#maxBytes} bytes`);
        chunks.push(chunk as Buffer);
      }
      body = Buffer.concat(chunks);
    } catch (error) {
      // Destroying an unread body emits an abort error; unheard, it would crash the process.
      response.body.on('error', () => undefined);
      response.body.destroy();
      if (isOAuthError(error)) throw error;
      throw refuse(clientId, `reading it failed (${describe(error)})`);
    }
    let document: unknown;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch {
      throw refuse(clientId, 'it is not JSON');
    }
    if (
      typeof document === 'object' &&
      document !== null &&
      (document as { client_id?: unknown }).client_id !== clientId
    ) {
      throw refuse(clientId, 'its client_id is not the URL it was fetched from');
    }
    let metadata: ClientMetadata;
    try {
      metadata = parseClientMetadata(document, 'document');
    } catch (error) {
      if (isOAuthError(error)) throw refuse(clientId, error.message.replace(/\.$/, ''));
      throw error;
    }
    this.#remember(clientId, metadata, cacheSeconds(response.headers['cache-control'], this.#cacheBounds));
    return metadata;
  }

  #remember(clientId: string, metadata: ClientMetadata, seconds: number): void {
    if (this.#cache.size >= this.#maxEntries) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(clientId, { metadata, expiresAt: this.#clock.now() + seconds * 1000 });
  }
}

/**
 * Whether a client_id names a metadata document: an https URL with a path, without fragment, credentials
 * or dot segments (draft-ietf-oauth-client-id-metadata-document §3).
 */
export function isClientIdUrl(value: string): boolean {
  if (!value.startsWith('https://') || value.length > 2000 || value.includes('#')) return false;
  const url = URL.parse(value);
  if (url === null || url.protocol !== 'https:' || url.username !== '' || url.password !== '') return false;
  if (url.pathname === '/' || url.pathname === '') return false;
  const rawPath =
    value
      .slice(8)
      .replace(/^[^/?]*/, '')
      .split('?')[0] ?? '';
  return !rawPath.split('/').some((segment) => ['.', '..'].includes(segment.replace(/%2e/gi, '.')));
}

/** A DNS lookup that fails unless every address the name has is public (so the connection cannot be steered). */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
    if (error !== null) return callback(error, '', 0);
    const blocked = addresses.find((a) => !isPublicAddress(a.address));
    if (blocked !== undefined || addresses.length === 0) {
      const failure = Object.assign(new Error(`${hostname} resolves to ${blocked?.address ?? 'nothing'}`), {
        code: PRIVATE_ADDRESS,
      });
      return callback(failure, '', 0);
    }
    if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

function cacheSeconds(
  header: string | string[] | undefined,
  bounds: { minS: number; maxS: number; defaultS: number },
): number {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  const maxAge = /(?:^|,)\s*max-age\s*=\s*(\d+)/i.exec(value);
  const seconds = maxAge?.[1] === undefined ? bounds.defaultS : Number(maxAge[1]);
  return Math.min(bounds.maxS, Math.max(bounds.minS, seconds));
}

function refuse(clientId: string, why: string): OAuthError {
  return new OAuthError('invalid_client', `The client ID metadata document at ${clientId} cannot be used: ${why}.`);
}

function hasCode(error: unknown, code: string): boolean {
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  ) {
    if ((current as { code?: unknown }).code === code) return true;
  }
  return false;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (error.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return 'timed out';
    }
    return typeof code === 'string' ? code : error.message;
  }
  return 'unknown error';
}
