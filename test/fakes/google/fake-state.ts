/**
 * TEST INFRASTRUCTURE. State shared by the fake OAuth, Gmail and Drive endpoints: accounts, issued tokens
 * and the switches tests flip (`setMode`).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { aliceDrive, bobDrive, type FakeDrive } from './fake-drives.ts';
import { aliceMailbox, bobMailbox, type Mailbox } from './fake-mailboxes.ts';

export const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
export const GMAIL_COMPOSE = 'https://www.googleapis.com/auth/gmail.compose';
export const DRIVE_READONLY = 'https://www.googleapis.com/auth/drive.readonly';

export interface FakeAccount {
  email: string;
  name: string;
  permissionId: string;
  mailbox: Mailbox;
  drive: FakeDrive;
  drafts: { id: string; threadId: string; raw: string; messageId: string }[];
  sent: { id: string; threadId: string; raw: string }[];
  /** Clients this account already consented to (Google then omits the refresh token unless prompt=consent). */
  consentedClients: Set<string>;
}

export interface FakeMode {
  /** The next `times` API calls to `api` fail with a quota error of this shape. */
  rateLimit?: {
    api: 'gmail' | 'drive';
    shape: '403-user' | '403-project' | '429';
    times: number;
    retryAfterS?: number;
  };
  /** Refresh tokens of these accounts answer `invalid_grant` (revoked, or expired after 7 days in Testing). */
  invalidGrant?: string[];
  /** The next `n` API calls answer 401 whatever the token (Google revoked it early). */
  rejectAccessTokens?: number;
  /** Scopes the user leaves ticked on the consent screen (default: all requested). */
  grantedScopes?: string[];
}

export interface RequestLogEntry {
  api: 'oauth' | 'gmail' | 'drive';
  method: string;
  path: string;
  query: Record<string, unknown>;
  account?: string;
  status: number;
  bytes: number;
}

export interface AccessTokenRecord {
  email: string;
  scopes: string[];
  expiresAt: number;
}

export interface RefreshTokenRecord {
  email: string;
  scopes: string[];
  revoked: boolean;
}

export class FakeGoogleState {
  readonly accounts = new Map<string, FakeAccount>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly log: RequestLogEntry[] = [];
  mode: FakeMode = {};

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    readonly accessTokenTtlS: number,
  ) {
    for (const account of [
      { email: 'alice@example.com', name: 'Alice Example', mailbox: aliceMailbox(), drive: aliceDrive() },
      { email: 'bob@example.org', name: 'Bob Sample', mailbox: bobMailbox(), drive: bobDrive() },
    ]) {
      this.accounts.set(account.email, {
        ...account,
        permissionId: randomBytes(10).toString('hex'),
        drafts: [],
        sent: [],
        consentedClients: new Set(),
      });
    }
  }

  issueAccessToken(email: string, scopes: string[]): { token: string; expiresIn: number } {
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(token, { email, scopes, expiresAt: Date.now() + this.accessTokenTtlS * 1000 });
    return { token, expiresIn: this.accessTokenTtlS };
  }

  issueRefreshToken(email: string, scopes: string[]): string {
    const token = `1//fake-${randomBytes(32).toString('base64url')}`;
    this.refreshTokens.set(token, { email, scopes, revoked: false });
    return token;
  }

  /**
   * Authenticates an API call as Google does: a valid bearer token with one of `anyOf` scopes. Answers the
   * error itself and returns undefined when the call must stop.
   */
  authenticate(
    api: 'gmail' | 'drive',
    request: FastifyRequest,
    reply: FastifyReply,
    anyOf: string[],
  ): FakeAccount | undefined {
    const header = request.headers.authorization ?? '';
    const record = header.startsWith('Bearer ') ? this.accessTokens.get(header.slice(7)) : undefined;
    const rejectNow = (this.mode.rejectAccessTokens ?? 0) > 0;
    if (rejectNow) this.mode.rejectAccessTokens = (this.mode.rejectAccessTokens ?? 1) - 1;
    if (record === undefined || record.expiresAt <= Date.now() || rejectNow) {
      reply.code(401).header('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
      reply.send(
        googleError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          'authError',
          'UNAUTHENTICATED',
          'Invalid Credentials',
        ),
      );
      return undefined;
    }
    const account = this.accounts.get(record.email);
    request.fakeAccount = record.email;
    if (account === undefined) throw new Error('token for an unknown account');
    if (!anyOf.some((scope) => record.scopes.includes(scope))) {
      reply
        .code(403)
        .send(
          googleError(
            403,
            'Request had insufficient authentication scopes.',
            'insufficientPermissions',
            'PERMISSION_DENIED',
            'Insufficient Permission',
          ),
        );
      return undefined;
    }
    const limit = this.mode.rateLimit;
    if (limit !== undefined && limit.api === api && limit.times > 0) {
      limit.times--;
      if (limit.retryAfterS !== undefined) reply.header('retry-after', String(limit.retryAfterS));
      if (limit.shape === '429') {
        reply
          .code(429)
          .send(
            googleError(
              429,
              'Resource has been exhausted (e.g. check quota).',
              'rateLimitExceeded',
              'RESOURCE_EXHAUSTED',
            ),
          );
      } else {
        const user = limit.shape === '403-user';
        reply
          .code(403)
          .send(
            googleError(
              403,
              user ? 'User Rate Limit Exceeded' : 'Rate Limit Exceeded',
              user ? 'userRateLimitExceeded' : 'rateLimitExceeded',
              'PERMISSION_DENIED',
              undefined,
              'usageLimits',
            ),
          );
      }
      return undefined;
    }
    return account;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    fakeAccount?: string;
  }
}

/** Google's JSON error envelope. */
export function googleError(
  code: number,
  message: string,
  reason: string,
  status?: string,
  itemMessage?: string,
  domain = 'global',
) {
  return {
    error: {
      code,
      message,
      errors: [{ message: itemMessage ?? message, domain, reason }],
      ...(status === undefined ? {} : { status }),
    },
  };
}
