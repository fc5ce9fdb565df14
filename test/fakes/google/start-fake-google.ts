/**
 * TEST INFRASTRUCTURE — a fake of Google's OAuth, Gmail and Drive APIs on one loopback port, for tests and
 * demos. It is not Google: it reproduces the documented shapes, status codes and quota errors closely
 * enough that the tool servers' handling of them can be tested without the internet.
 *
 * Point a server at it with GMAIL_BASE_URL / DRIVE_BASE_URL = `url`, GOOGLE_TOKEN_URL = `${url}/token`,
 * GOOGLE_AUTH_URL = `${url}/o/oauth2/v2/auth` and the client id/secret it reports.
 */
import Fastify from 'fastify';
import { registerFakeDrive } from './fake-drive.ts';
import { registerFakeGmail } from './fake-gmail.ts';
import { registerFakeOAuth } from './fake-oauth.ts';
import {
  DRIVE_READONLY,
  type FakeAccount,
  FakeGoogleState,
  type FakeMode,
  GMAIL_COMPOSE,
  GMAIL_READONLY,
  type RequestLogEntry,
} from './fake-state.ts';

export interface FakeGoogleOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of issued access tokens (Google: 3599 s). */
  accessTokenTtlS?: number;
  /** Allowed redirect URIs (Google requires them registered); unset = any. */
  redirectUris?: string[];
}

export interface FakeGoogle {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The two accounts, with their mail, files, drafts and sent mail (live objects). */
  accounts: { alice: FakeAccount; bob: FakeAccount };
  scopes: { gmailReadonly: string; gmailCompose: string; driveReadonly: string };
  /** A refresh token for `email`, as an operator would paste into GOOGLE_REFRESH_TOKEN. */
  issueRefreshToken(email: string, scopes: string[]): string;
  /** Replaces the fault switches (rate limits, invalid_grant, 401s, unticked scopes). */
  setMode(mode: FakeMode): void;
  /** Every request served, with its response size (to compare tool output with the raw API payload). */
  requests: RequestLogEntry[];
  /**
   * Plays the user on the consent screen: opens `authorizeUrl`, picks `email` and returns the redirect
   * back to the application (`…/callback?code=…&state=…`).
   */
  approveAs(authorizeUrl: string, email: string): Promise<string>;
  /** Like approveAs, but the user presses Cancel. */
  deny(authorizeUrl: string): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const clientId = options.clientId ?? 'fake-client-id.apps.googleusercontent.com';
  const clientSecret = options.clientSecret ?? 'GOCSPX-fake-client-secret';
  const state = new FakeGoogleState(clientId, clientSecret, options.accessTokenTtlS ?? 3599);
  const app = Fastify({ logger: false, bodyLimit: 40 * 1024 * 1024 });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const path = request.url.split('?')[0] ?? '';
    const api = path.startsWith('/gmail') ? 'gmail' : path.startsWith('/drive') ? 'drive' : 'oauth';
    const bytes =
      typeof payload === 'string' ? Buffer.byteLength(payload) : Buffer.isBuffer(payload) ? payload.length : 0;
    state.log.push({
      api,
      method: request.method,
      path,
      query: { ...(request.query as Record<string, unknown>) },
      ...(request.fakeAccount === undefined ? {} : { account: request.fakeAccount }),
      status: reply.statusCode,
      bytes,
    });
    return payload;
  });
  let url = '';
  registerFakeOAuth(app, state, options.redirectUris === undefined ? {} : { redirectUris: options.redirectUris });
  registerFakeGmail(app, state);
  registerFakeDrive(app, state, () => url);
  url = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });

  const alice = state.accounts.get('alice@example.com');
  const bob = state.accounts.get('bob@example.org');
  if (alice === undefined || bob === undefined) throw new Error('fake accounts missing');

  const consent = async (authorizeUrl: string, pick: (html: string) => string | undefined) => {
    const page = await fetch(authorizeUrl);
    const html = await page.text();
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${html}`);
    const href = pick(html);
    if (href === undefined) throw new Error('choice not on the consent page');
    const answer = await fetch(new URL(href.replaceAll('&amp;', '&'), url), { redirect: 'manual' });
    const location = answer.headers.get('location');
    if (location === null) throw new Error(`consent answered ${answer.status} without a redirect`);
    return location;
  };

  return {
    url,
    clientId,
    clientSecret,
    accounts: { alice, bob },
    scopes: { gmailReadonly: GMAIL_READONLY, gmailCompose: GMAIL_COMPOSE, driveReadonly: DRIVE_READONLY },
    issueRefreshToken: (email, scopes) => state.issueRefreshToken(email, scopes),
    setMode: (mode) => {
      state.mode = structuredClone(mode);
    },
    requests: state.log,
    approveAs: (authorizeUrl, email) =>
      consent(authorizeUrl, (html) => {
        const match = new RegExp(`href="([^"]+)">${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}<`).exec(html);
        return match?.[1];
      }),
    deny: (authorizeUrl) => consent(authorizeUrl, (html) => /href="([^"]+\/deny[^"]*)"/.exec(html)?.[1]),
    close: () => app.close(),
  };
}
