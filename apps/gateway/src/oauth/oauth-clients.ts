import type { Clock } from '../clock.ts';
import type { ClientMetadata } from './client-metadata.ts';
import { type ClientMetadataDocuments, isClientIdUrl } from './client-metadata-documents.ts';
import { OAuthError } from './oauth-error.ts';
import { randomSecret, SECRET_PREFIX, sameDigest, sha256Hex } from './oauth-secrets.ts';
import type { ClientAuthMethod, ClientRecord, OAuthStore } from './oauth-store.ts';

/** A client as the endpoints see it, wherever it came from. */
export interface ResolvedClient {
  id: string;
  /** `document`: identified by an https URL whose metadata document was fetched (its host vouches for it). */
  kind: 'dynamic' | 'preregistered' | 'document';
  name: string;
  redirectUris: readonly string[];
  authMethod: ClientAuthMethod;
  secretHash: string | null;
}

/** Credentials a token, revocation or registration request carried. */
export interface PresentedCredentials {
  clientId: string;
  secret?: string | undefined;
}

const CLIENT_ID_PATTERN = /^sbc_[A-Za-z0-9_-]{43}$/;
/** A use is written back at most this often per client (it only feeds idle pruning). */
const TOUCH_EVERY_MS = 60 * 60 * 1000;
/** Redis keeps an idle client a day past its idle limit; the limit itself is checked against the clock. */
const TTL_SLACK_MS = 24 * 60 * 60 * 1000;

/**
 * Every way a client becomes known: dynamic registration (RFC 7591), an admin's pre-registration (Claude's
 * "Advanced settings" client id and secret), or a client ID metadata document. Client secrets exist only
 * as SHA-256 digests once created.
 */
export class OAuthClients {
  readonly #store: OAuthStore;
  readonly #documents: ClientMetadataDocuments;
  readonly #clock: Clock;
  readonly #idleTtlMs: number;

  constructor(options: { store: OAuthStore; documents: ClientMetadataDocuments; clock: Clock; idleTtlMs: number }) {
    this.#store = options.store;
    this.#documents = options.documents;
    this.#clock = options.clock;
    this.#idleTtlMs = options.idleTtlMs;
  }

  /**
   * The client with this id, or null if none is known. A metadata-document client that cannot be fetched
   * or is invalid throws OAuthError `invalid_client` with the reason.
   */
  async find(clientId: string): Promise<ResolvedClient | null> {
    if (isClientIdUrl(clientId)) {
      const metadata = await this.#documents.resolve(clientId);
      return { id: clientId, kind: 'document', ...metadata, secretHash: null };
    }
    if (!CLIENT_ID_PATTERN.test(clientId)) return null;
    const record = await this.#store.getClient(clientId);
    if (record === null) return null;
    const now = this.#clock.now();
    if (record.kind === 'dynamic' && record.lastUsedAt + this.#idleTtlMs <= now) {
      await this.#store.deleteClient(record.id);
      return null;
    }
    if (now - record.lastUsedAt >= TOUCH_EVERY_MS) {
      await this.#store.touchClient(record.id, now, record.kind === 'dynamic' ? this.#storeTtl() : null);
    }
    return {
      id: record.id,
      kind: record.kind,
      name: record.name,
      redirectUris: record.redirectUris,
      authMethod: record.authMethod,
      secretHash: record.secretHash,
    };
  }

  /**
   * Dynamic registration. Clients (Claude among them) register again on every connection; a public client
   * registering exactly the metadata it registered before gets the same client id back instead of a new row.
   */
  async register(metadata: ClientMetadata): Promise<{ client: ClientRecord; secret: string | null }> {
    const digest = sha256Hex(JSON.stringify([metadata.name, [...metadata.redirectUris].sort(), metadata.authMethod]));
    if (metadata.authMethod === 'none') {
      const knownId = await this.#store.findRegistration(digest);
      const known = knownId === null ? null : await this.#store.getClient(knownId);
      if (known !== null && known.kind === 'dynamic' && known.lastUsedAt + this.#idleTtlMs > this.#clock.now()) {
        await this.#store.touchClient(known.id, this.#clock.now(), this.#storeTtl());
        await this.#store.rememberRegistration(digest, known.id, this.#storeTtl());
        return { client: { ...known, lastUsedAt: this.#clock.now() }, secret: null };
      }
    }
    const created = await this.#create('dynamic', metadata);
    if (metadata.authMethod === 'none')
      await this.#store.rememberRegistration(digest, created.client.id, this.#storeTtl());
    return created;
  }

  async createPreregistered(
    input: { name: string; redirectUris: string[] },
    createdBy: string,
  ): Promise<{ client: ClientRecord; secret: string }> {
    const { client, secret } = await this.#create(
      'preregistered',
      { name: input.name, redirectUris: input.redirectUris, authMethod: 'client_secret_post' },
      createdBy,
    );
    return { client, secret: secret as string };
  }

  listPreregistered(): Promise<ClientRecord[]> {
    return this.#store.listPreregisteredClients();
  }

  async getPreregistered(id: string): Promise<ClientRecord | null> {
    if (!CLIENT_ID_PATTERN.test(id)) return null;
    const record = await this.#store.getClient(id);
    return record?.kind === 'preregistered' ? record : null;
  }

  async delete(id: string): Promise<boolean> {
    return CLIENT_ID_PATTERN.test(id) && this.#store.deleteClient(id);
  }

  /**
   * Checks a confidential client's secret (sent with client_secret_post or client_secret_basic; either is
   * accepted, as clients mix them up). Public clients have nothing to check.
   */
  authenticate(client: ResolvedClient, presented: PresentedCredentials): void {
    if (client.secretHash === null) return;
    if (presented.secret === undefined || presented.secret === '') {
      throw new OAuthError('invalid_client', `Client ${client.id} is confidential: send its client_secret.`);
    }
    if (!sameDigest(sha256Hex(presented.secret), client.secretHash)) {
      throw new OAuthError('invalid_client', 'The client secret is wrong.');
    }
  }

  async #create(
    kind: ClientRecord['kind'],
    metadata: ClientMetadata,
    createdBy?: string,
  ): Promise<{ client: ClientRecord; secret: string | null }> {
    const now = this.#clock.now();
    const secret = metadata.authMethod === 'none' ? null : randomSecret(SECRET_PREFIX.clientSecret);
    const client: ClientRecord = {
      id: randomSecret(SECRET_PREFIX.clientId),
      kind,
      name: metadata.name,
      redirectUris: [...metadata.redirectUris],
      authMethod: metadata.authMethod,
      secretHash: secret === null ? null : sha256Hex(secret),
      createdAt: now,
      lastUsedAt: now,
      ...(createdBy === undefined ? {} : { createdBy }),
    };
    await this.#store.saveClient(client, kind === 'dynamic' ? this.#storeTtl() : null);
    return { client, secret };
  }

  #storeTtl(): number {
    return this.#idleTtlMs + TTL_SLACK_MS;
  }
}
