/**
 * Test infrastructure for the OAuth front door: a gateway whose public URL is its real loopback address (so
 * discovery documents point where the client is), the OAuth admin routes mounted the way the admin app
 * mounts them, a headless OAuth client provider for the official SDK that submits the consent form over
 * HTTP, and a local https server with a throw-away certificate for client ID metadata documents.
 */
import { randomBytes } from 'node:crypto';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from '@modelcontextprotocol/client';
import { freePort } from '@switchboard/testing';
import type { Clock } from '../../apps/gateway/src/clock.ts';
import { loadGatewayConfig } from '../../apps/gateway/src/config.ts';
import { createGateway, type Gateway } from '../../apps/gateway/src/gateway.ts';
import { baseEnv, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';

export {
  type HttpsFixture,
  selfSignedCertificate,
  startHttpsServer,
} from '../../apps/gateway/src/oauth/test-fixtures.ts';

export const CLAUDE_CALLBACK = 'https://claude.ai/api/mcp/auth_callback';

export interface OAuthGateway {
  gateway: Gateway;
  /** `http://127.0.0.1:<port>`: the public URL, the issuer. */
  base: string;
  mcpUrl: URL;
  adminUrl: string;
  createKey(scopes?: string[], extra?: Record<string, unknown>): Promise<{ token: string; id: string }>;
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startOAuthGateway(options: {
  upstreams: { name: string; url: string }[];
  env?: Record<string, string>;
  clock?: Clock;
}): Promise<OAuthGateway> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = baseEnv(options.upstreams, { GATEWAY_PORT: String(port), GATEWAY_PUBLIC_URL: base, ...options.env });
  const gateway = await createGateway(
    loadGatewayConfig(env),
    options.clock === undefined ? {} : { clock: options.clock },
  );
  await gateway.publicApp.listen({ port, host: '127.0.0.1' });
  const adminUrl = await gateway.adminApp.listen({ port: 0, host: '127.0.0.1' });
  return {
    gateway,
    base,
    mcpUrl: new URL(`${base}/mcp`),
    adminUrl,
    async createKey(scopes = ['*'], extra = {}) {
      const issued = await gateway.keys.create(
        { name: 'oauth test key', owner: 'tests', scopes, ...extra },
        { id: 'test' },
      );
      return { token: issued.token, id: issued.key.id };
    },
    admin: (method, path, body) =>
      fetch(`${adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    close: () => gateway.close(),
  };
}

export function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] as string] = (match[2] as string).replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  }
  return fields;
}

export interface ConsentOutcome {
  /** Status of the last response. */
  status: number;
  /** Where the browser is sent at the end (the client's redirect URI with code or error). */
  location?: URL;
  /** The last page shown, if the flow stopped on a page. */
  html?: string;
}

/**
 * Does what a person does in the browser: opens the authorization URL, pastes the API key, then approves
 * (or denies). Stops at the first response that is not the next page.
 */
export async function consentOverHttp(
  authorizationUrl: URL | string,
  apiKey: string,
  decision: 'approve' | 'deny' = 'approve',
): Promise<ConsentOutcome> {
  const first = await fetch(authorizationUrl, { redirect: 'manual' });
  const stop = async (response: Response): Promise<ConsentOutcome> => {
    const location = response.headers.get('location');
    return {
      status: response.status,
      ...(location === null ? {} : { location: new URL(location) }),
      html: await response.text(),
    };
  };
  if (first.status !== 200) return stop(first);
  const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const consentUrl = new URL('/authorize/consent', authorizationUrl);
  const post = (fields: Record<string, string>) =>
    fetch(consentUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams(fields).toString(),
    });
  const keyPage = await post({ ...hiddenFields(await first.text()), action: 'continue', api_key: apiKey });
  if (keyPage.status !== 200) return stop(keyPage);
  return stop(await post({ ...hiddenFields(await keyPage.text()), action: decision }));
}

/**
 * An OAuthClientProvider (official SDK) that behaves like Claude's backend, headless: it registers
 * dynamically or by a metadata-document URL, and its "browser" is `consentOverHttp` with a team API key.
 * It satisfies both SDK generations' provider interfaces.
 */
export class HeadlessOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl: string;
  readonly clientMetadataUrl: string | undefined;
  readonly #apiKey: () => string;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  /** Every authorization URL the SDK sent the "browser" to. */
  readonly authorizations: URL[] = [];
  /** Every token set the SDK saved, oldest first. */
  readonly savedTokens: OAuthTokens[] = [];
  /** The query the authorization server redirected back with, last time. */
  callback: URLSearchParams | undefined;
  lastState: string | undefined;
  consent: ConsentOutcome | undefined;

  constructor(options: {
    apiKey: () => string;
    redirectUrl?: string;
    clientMetadataUrl?: string;
    /** Pre-registered credentials (Claude's "Advanced settings"). */
    client?: OAuthClientInformationMixed;
  }) {
    this.#apiKey = options.apiKey;
    this.#client = options.client;
    this.redirectUrl = options.redirectUrl ?? CLAUDE_CALLBACK;
    this.clientMetadataUrl = options.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'Claude',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  get clientInfo(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }

  state(): string {
    this.lastState = randomBytes(12).toString('base64url');
    return this.lastState;
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.#client = info;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
    this.savedTokens.push(tokens);
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    if (this.#verifier === undefined) throw new Error('no code verifier saved');
    return this.#verifier;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'all' || scope === 'tokens') this.#tokens = undefined;
    if (scope === 'all' || scope === 'client') this.#client = undefined;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    this.consent = await consentOverHttp(url, this.#apiKey());
    this.callback = this.consent.location?.searchParams;
  }
}

export async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Registers a public client the way Claude does (dynamic registration, no secret); returns its client id. */
export async function registerPublicClient(base: string, redirectUri: string = CLAUDE_CALLBACK): Promise<string> {
  const registered = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Claude', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
  });
  if (registered.status !== 201)
    throw new Error(`registration failed: ${registered.status} ${await registered.text()}`);
  return ((await registered.json()) as { client_id: string }).client_id;
}
