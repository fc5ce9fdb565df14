import { type ErrorContext, SwitchboardError } from '@switchboard/errors';
import { backoffDelayMs, type Governor, retryAfterMsFrom } from '@switchboard/governor';
import { Pool } from 'undici';
import { z } from 'zod';
import {
  accountsSchema,
  type BlotatoUser,
  boardsSchema,
  createPostResponseSchema,
  creditsSchema,
  listPostsSchema,
  listSchedulesSchema,
  mediaSchema,
  postStatusSchema,
  scheduleSchema,
  subaccountsSchema,
  templatesSchema,
  uploadSchema,
  userSchema,
  visualSchema,
} from './blotato-schemas.ts';
import type { BlotatoBudget } from './budgets.ts';

/** Who a request is for (its governor queue) and when to give up on it. */
export interface CallContext {
  callerKey: string;
  signal?: AbortSignal;
}

export interface BlotatoClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
  governor: Governor;
  timeoutMs: number;
  /** Connections kept open to Blotato per replica. */
  connections?: number;
  /** Receives one line per request: route, status, duration. Never headers or bodies (keys, presigned URLs). */
  onRequest?: (entry: { route: string; status: number | 'error'; durationMs: number; attempt: number }) => void;
}

interface RequestSpec<T extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path with ids already encoded. */
  path: string;
  /** Route as documented, for error context and metrics (`GET /v2/posts/{postSubmissionId}`). */
  route: string;
  budget: BlotatoBudget;
  query?: Record<string, string | number | string[] | undefined>;
  body?: unknown;
  schema: T;
  /**
   * Repeating the request cannot create anything twice (reads, presigned URLs, idempotent PATCH/DELETE):
   * 5xx and network failures are retried with backoff. Otherwise a failure after sending is OUTCOME_UNKNOWN.
   */
  safeToRepeat: boolean;
  /** Sentence for a 404, naming what was not found. */
  notFound?: string;
}

const UPSTREAM = 'blotato';
const MAX_SAFE_ATTEMPTS = 3;
/** A 429 pauses the budget and the call is tried once more through the governor (a 429 means nothing was done). */
const MAX_429_RETRIES = 1;
/** Errors raised before a single byte reached Blotato: repeating is always safe. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH']);

/**
 * Blotato REST API v2 over an undici pool. Every request runs inside its route's governor budget; answers
 * are validated with zod; failures become catalogue errors carrying upstream, route and status.
 */
export class BlotatoClient {
  readonly #pool: Pool;
  readonly #options: BlotatoClientOptions;

  constructor(options: BlotatoClientOptions) {
    this.#options = options;
    this.#pool = new Pool(options.baseUrl, {
      connections: options.connections ?? 16,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  get configured(): boolean {
    return this.#options.apiKey !== undefined;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** The key's user. Blotato echoes the API key in this answer; it is dropped here and goes nowhere. */
  async getUser(ctx: CallContext): Promise<BlotatoUser> {
    const { apiKey: _echoedKey, ...user } = await this.#request(ctx, {
      method: 'GET',
      path: '/v2/users/me',
      route: 'GET /v2/users/me',
      budget: 'other',
      schema: userSchema,
      safeToRepeat: true,
    });
    return user;
  }

  async listAccounts(ctx: CallContext, platform?: string) {
    const r = await this.#request(ctx, {
      method: 'GET',
      path: '/v2/users/me/accounts',
      route: 'GET /v2/users/me/accounts',
      budget: 'other',
      query: { platform },
      schema: accountsSchema,
      safeToRepeat: true,
    });
    return r.items;
  }

  async listSubaccounts(ctx: CallContext, accountId: string) {
    const r = await this.#request(ctx, {
      method: 'GET',
      path: `/v2/users/me/accounts/${encodeURIComponent(accountId)}/subaccounts`,
      route: 'GET /v2/users/me/accounts/{accountId}/subaccounts',
      budget: 'other',
      schema: subaccountsSchema,
      safeToRepeat: true,
      notFound: `Blotato has no connected account ${accountId}.`,
    });
    return r.items;
  }

  async listPinterestBoards(ctx: CallContext, accountId: string) {
    const r = await this.#request(ctx, {
      method: 'GET',
      path: '/v2/social/pinterest/boards',
      route: 'GET /v2/social/pinterest/boards',
      budget: 'pinterest_boards',
      query: { accountId },
      schema: boardsSchema,
      safeToRepeat: true,
    });
    return r.items;
  }

  /** Not safe to repeat: a timeout, reset or 5xx after sending is OUTCOME_UNKNOWN (the post may exist). */
  createPost(ctx: CallContext, body: unknown) {
    return this.#request(ctx, {
      method: 'POST',
      path: '/v2/posts',
      route: 'POST /v2/posts',
      budget: 'post_create',
      body,
      schema: createPostResponseSchema,
      safeToRepeat: false,
    });
  }

  getPostStatus(ctx: CallContext, postSubmissionId: string) {
    return this.#request(ctx, {
      method: 'GET',
      path: `/v2/posts/${encodeURIComponent(postSubmissionId)}`,
      route: 'GET /v2/posts/{postSubmissionId}',
      budget: 'post_status',
      schema: postStatusSchema,
      safeToRepeat: true,
    });
  }

  listPosts(
    ctx: CallContext,
    query: { since?: string; until?: string; limit?: number; cursor?: string; status?: string[]; platform?: string[] },
  ) {
    return this.#request(ctx, {
      method: 'GET',
      path: '/v2/posts',
      route: 'GET /v2/posts',
      budget: 'post_list',
      query,
      schema: listPostsSchema,
      safeToRepeat: true,
    });
  }

  listSchedules(ctx: CallContext, query: { limit?: number; cursor?: string }) {
    return this.#request(ctx, {
      method: 'GET',
      path: '/v2/schedules',
      route: 'GET /v2/schedules',
      budget: 'other',
      query,
      schema: listSchedulesSchema,
      safeToRepeat: true,
    });
  }

  getSchedule(ctx: CallContext, scheduleId: string) {
    return this.#request(ctx, {
      method: 'GET',
      path: `/v2/schedules/${encodeURIComponent(scheduleId)}`,
      route: 'GET /v2/schedules/{id}',
      budget: 'other',
      schema: scheduleSchema,
      safeToRepeat: true,
      notFound: `Blotato has no upcoming scheduled post ${scheduleId} (already published or cancelled, or not a schedule id).`,
    });
  }

  /** PATCH with the same body is idempotent, so it is retried like a read. */
  updateSchedule(ctx: CallContext, scheduleId: string, patch: { post?: unknown; scheduledTime?: string }) {
    return this.#request(ctx, {
      method: 'PATCH',
      path: `/v2/schedules/${encodeURIComponent(scheduleId)}`,
      route: 'PATCH /v2/schedules/{id}',
      budget: 'other',
      body: patch,
      schema: scheduleSchema,
      safeToRepeat: true,
      notFound: `Blotato has no upcoming scheduled post ${scheduleId} (it may have been published or cancelled already; use a schedule id from list_scheduled_posts, not a post submission id).`,
    });
  }

  async deleteSchedule(ctx: CallContext, scheduleId: string): Promise<void> {
    await this.#request(ctx, {
      method: 'DELETE',
      path: `/v2/schedules/${encodeURIComponent(scheduleId)}`,
      route: 'DELETE /v2/schedules/{id}',
      budget: 'other',
      schema: z.unknown(),
      safeToRepeat: true,
      notFound: `Blotato has no upcoming scheduled post ${scheduleId} (already published or cancelled, or not a schedule id).`,
    });
  }

  /** A repeat only stores a second copy of the file, but it is not retried blindly either. */
  importMedia(ctx: CallContext, url: string) {
    return this.#request(ctx, {
      method: 'POST',
      path: '/v2/media',
      route: 'POST /v2/media',
      budget: 'media_import',
      body: { url },
      schema: mediaSchema,
      safeToRepeat: false,
    });
  }

  /** Creates nothing public: repeating it is harmless. The presigned URL is a credential; it is never logged. */
  createUploadUrl(ctx: CallContext, filename: string) {
    return this.#request(ctx, {
      method: 'POST',
      path: '/v2/media/uploads',
      route: 'POST /v2/media/uploads',
      budget: 'media_upload',
      body: { filename },
      schema: uploadSchema,
      safeToRepeat: true,
    });
  }

  async listTemplates(ctx: CallContext, query: { id?: string; fields?: string }) {
    const r = await this.#request(ctx, {
      method: 'GET',
      path: '/v2/videos/templates',
      route: 'GET /v2/videos/templates',
      budget: 'other',
      query,
      schema: templatesSchema,
      safeToRepeat: true,
    });
    return r.items;
  }

  /** Spends credits: never repeated blindly. */
  createVisual(ctx: CallContext, body: unknown) {
    return this.#request(ctx, {
      method: 'POST',
      path: '/v2/videos/from-templates',
      route: 'POST /v2/videos/from-templates',
      budget: 'visual_create',
      body,
      schema: visualSchema,
      safeToRepeat: false,
    });
  }

  getVisual(ctx: CallContext, visualId: string) {
    return this.#request(ctx, {
      method: 'GET',
      path: `/v2/videos/creations/${encodeURIComponent(visualId)}`,
      route: 'GET /v2/videos/creations/{id}',
      budget: 'other',
      schema: visualSchema,
      safeToRepeat: true,
      notFound: `Blotato has no visual ${visualId}.`,
    });
  }

  getCredits(ctx: CallContext) {
    return this.#request(ctx, {
      method: 'GET',
      path: '/v2/credits',
      route: 'GET /v2/credits',
      budget: 'other',
      schema: creditsSchema,
      safeToRepeat: true,
    });
  }

  async #request<T extends z.ZodType>(ctx: CallContext, spec: RequestSpec<T>): Promise<z.infer<T>> {
    const apiKey = this.#options.apiKey;
    if (apiKey === undefined) {
      throw new SwitchboardError(
        'NOT_CONFIGURED',
        'Blotato is not configured on this Switchboard: the operator must set BLOTATO_API_KEY on the Blotato tool server.',
        { context: { upstream: UPSTREAM } },
      );
    }
    const context: ErrorContext = { upstream: UPSTREAM, route: spec.route };
    let rateLimitedRetries = 0;
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      let sent = false;
      let response: { status: number; headers: Record<string, string | string[] | undefined>; text: string };
      try {
        response = await this.#options.governor.run(
          spec.budget,
          ctx.callerKey,
          () => {
            sent = true;
            return this.#send(spec, apiKey, ctx.signal);
          },
          ctx.signal === undefined ? {} : { signal: ctx.signal },
        );
      } catch (error) {
        if (error instanceof SwitchboardError) throw error;
        this.#options.onRequest?.({
          route: spec.route,
          status: 'error',
          durationMs: performance.now() - started,
          attempt,
        });
        if (ctx.signal?.aborted) {
          // Cancelled while the write was on the wire: it may have happened.
          if (sent && !spec.safeToRepeat) throw outcomeUnknown(spec, context, 'The call was cancelled');
          throw ctx.signal.reason;
        }
        const failure = classifyNetworkError(error, spec, context, this.#options.timeoutMs);
        if (failure.retryable && attempt + 1 < MAX_SAFE_ATTEMPTS) {
          await sleep(backoffDelayMs(attempt), ctx.signal);
          continue;
        }
        throw failure.error;
      }
      this.#options.onRequest?.({
        route: spec.route,
        status: response.status,
        durationMs: performance.now() - started,
        attempt,
      });
      const { status } = response;

      if (status >= 200 && status < 300) {
        const json = response.text === '' ? undefined : safeJson(response.text);
        const parsed = spec.schema.safeParse(json);
        if (!parsed.success) {
          throw new SwitchboardError('UPSTREAM_ERROR', `Blotato answered ${spec.route} in an unexpected shape.`, {
            context: { ...context, upstreamStatus: status },
            details: { issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
          });
        }
        return parsed.data;
      }

      const message = upstreamMessage(response.text, apiKey);
      if (status === 429) {
        const retryAfterMs =
          retryAfterMsFrom({ status, headers: response.headers, bodyText: response.text }) ?? untilNextMinuteMs();
        await this.#options.governor.pause(spec.budget, retryAfterMs, message ?? 'HTTP 429');
        if (rateLimitedRetries++ < MAX_429_RETRIES) continue;
        throw new SwitchboardError(
          'RATE_LIMITED',
          `Blotato is rate limiting ${spec.route}${message ? ` ("${message}")` : ''}; nothing was done. Retry in ${Math.ceil(retryAfterMs / 1000)} s.`,
          { retryAfterS: Math.max(1, Math.ceil(retryAfterMs / 1000)), context: { ...context, upstreamStatus: 429 } },
        );
      }
      if (status >= 500) {
        if (spec.safeToRepeat && attempt + 1 < MAX_SAFE_ATTEMPTS) {
          await sleep(backoffDelayMs(attempt), ctx.signal);
          continue;
        }
        throw spec.safeToRepeat
          ? new SwitchboardError(
              'UPSTREAM_UNAVAILABLE',
              `Blotato failed on ${spec.route} (${status}${message ? `: ${message}` : ''}) ${MAX_SAFE_ATTEMPTS} times; try again in a minute.`,
              { retryAfterS: 30, context: { ...context, upstreamStatus: status } },
            )
          : outcomeUnknown(
              spec,
              { ...context, upstreamStatus: status },
              `Blotato answered ${status}${message ? ` (${message})` : ''}`,
            );
      }
      throw mapClientError(status, message, spec, context);
    }
  }

  async #send(spec: RequestSpec<z.ZodType>, apiKey: string, signal?: AbortSignal) {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) query.append(k, String(item));
    }
    const qs = query.toString();
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const { statusCode, headers, body } = await this.#pool.request({
      method: spec.method,
      path: qs === '' ? spec.path : `${spec.path}?${qs}`,
      headers: {
        // Sent unchanged: Blotato keys may end in '=' padding, and a stripped one is a 401.
        'blotato-api-key': apiKey,
        accept: 'application/json',
        ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: spec.body === undefined ? null : JSON.stringify(spec.body),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    const text = await body.text();
    return { status: statusCode, headers: headers as Record<string, string | string[] | undefined>, text };
  }
}

function outcomeUnknown(spec: RequestSpec<z.ZodType>, context: ErrorContext, what: string): SwitchboardError {
  return new SwitchboardError(
    'OUTCOME_UNKNOWN',
    `${what} after ${spec.route} was sent, so it is not known whether Blotato carried it out. It is not resent blindly.`,
    { context },
  );
}

function classifyNetworkError(
  error: unknown,
  spec: RequestSpec<z.ZodType>,
  context: ErrorContext,
  timeoutMs: number,
): { retryable: boolean; error: SwitchboardError } {
  const code = (error as { code?: string }).code ?? '';
  const name = (error as { name?: string }).name ?? '';
  const timedOut =
    name === 'TimeoutError' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    (name === 'AbortError' && (error as { cause?: { name?: string } }).cause?.name === 'TimeoutError');
  if (NOT_SENT_CODES.has(code)) {
    return {
      retryable: true,
      error: new SwitchboardError(
        'UPSTREAM_UNAVAILABLE',
        `Blotato cannot be reached (${code}); try again in a minute.`,
        {
          retryAfterS: 30,
          context,
          cause: error,
        },
      ),
    };
  }
  if (!spec.safeToRepeat) {
    return {
      retryable: false,
      error: outcomeUnknown(
        spec,
        context,
        timedOut
          ? `No answer within ${Math.round(timeoutMs / 1000)} s`
          : `The connection broke (${code || name || 'network error'})`,
      ),
    };
  }
  return {
    retryable: true,
    error: timedOut
      ? new SwitchboardError(
          'UPSTREAM_TIMEOUT',
          `Blotato did not answer ${spec.route} within ${Math.round(timeoutMs / 1000)} s.`,
          {
            retryAfterS: 10,
            context,
            cause: error,
          },
        )
      : new SwitchboardError(
          'UPSTREAM_UNAVAILABLE',
          `The connection to Blotato broke (${code || name}); try again shortly.`,
          {
            retryAfterS: 10,
            context,
            cause: error,
          },
        ),
  };
}

function mapClientError(
  status: number,
  message: string | undefined,
  spec: RequestSpec<z.ZodType>,
  context: ErrorContext,
): SwitchboardError {
  const ctx = { ...context, upstreamStatus: status };
  const said = message ? ` ("${message}")` : '';
  switch (status) {
    case 401:
      return new SwitchboardError(
        'UPSTREAM_AUTH',
        `Blotato rejected this Switchboard's API key${said}. The operator must check BLOTATO_API_KEY (keys may end in '=' and must be kept whole).`,
        { context: ctx },
      );
    case 403:
      return new SwitchboardError(
        'UPSTREAM_AUTH',
        `Blotato refused ${spec.route}${said}; this usually means the Blotato subscription does not allow it (check billing).`,
        { context: ctx },
      );
    case 404:
      return new SwitchboardError('NOT_FOUND', spec.notFound ?? `Blotato found nothing at ${spec.route}${said}.`, {
        context: ctx,
      });
    case 400:
    case 422:
      return new SwitchboardError(
        'VALIDATION_FAILED',
        `Blotato rejected the request as invalid${said}. Nothing was done; fix the arguments rather than retrying.`,
        { context: ctx, details: { upstream_message: message ?? null } },
      );
    default:
      return new SwitchboardError('UPSTREAM_ERROR', `Blotato answered ${status} to ${spec.route}${said}.`, {
        context: ctx,
      });
  }
}

/** Blotato's `message`, trimmed; never the API key, should an error ever echo it. */
function upstreamMessage(text: string, apiKey: string): string | undefined {
  const json = safeJson(text) as { message?: unknown } | undefined;
  const raw = typeof json?.message === 'string' ? json.message : undefined;
  if (raw === undefined) return undefined;
  return raw.replaceAll(apiKey, '[redacted]').slice(0, 300);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * No Retry-After and no "retry in N seconds": wait for the next minute window plus 0–2 s of jitter
 * (Blotato's limits are per minute; research/connectors.md §1.10).
 */
function untilNextMinuteMs(): number {
  return 60_000 - (Date.now() % 60_000) + Math.round(Math.random() * 2000);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
