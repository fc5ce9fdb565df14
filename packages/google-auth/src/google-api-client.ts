import { setTimeout as sleep } from 'node:timers/promises';
import { type ErrorCode, SwitchboardError } from '@switchboard/errors';
import { backoffDelayMs, retryAfterMsFrom } from '@switchboard/governor';
import { type Dispatcher, request } from 'undici';
import type { CallerCredential } from './google-credentials.ts';

/**
 * Google's per-user quotas, as a gate every API call passes: spends `units` of the account's budget (waiting
 * fairly between callers when it is short) and can pause the account's budget for everyone after Google
 * says "slow down". Implemented over @switchboard/governor by each server.
 */
export interface QuotaGate {
  run<T>(accountKey: string, callerKey: string, units: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  pause(accountKey: string, retryAfterMs: number, reason: string): Promise<void>;
}

/** Bounds on retrying rate-limited and failed calls (jittered exponential backoff from the governor). */
export interface RetryPolicy {
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Total time a call may spend waiting between attempts before answering RATE_LIMITED instead. */
  maxWaitMs: number;
  baseMs?: number;
  capMs?: number;
}

/** Google's guidance: truncated exponential backoff, a few attempts (https://developers.google.com/drive/api/guides/limits). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, maxWaitMs: 20_000, baseMs: 500, capMs: 8_000 };

export interface GoogleApiClientOptions {
  /** `gmail` or `drive`: names the upstream in error contexts. */
  upstream: string;
  /** Product name for sentences. */
  product: string;
  baseUrl: string;
  quota: QuotaGate;
  retry?: RetryPolicy;
  dispatcher?: Dispatcher;
  timeoutMs?: number;
  onEvent?: (event: { type: 'retry' | 'rate_limited' | 'unauthorized'; route: string; status?: number }) => void;
}

export type QueryValue = string | number | boolean | string[] | undefined;

export interface GoogleRequest {
  credential: CallerCredential;
  /** Team key id, for fair queueing inside the account's budget. */
  callerKey: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, QueryValue>;
  json?: unknown;
  /** Quota units this method costs (Gmail's table; 1 for Drive). */
  units: number;
  /** API method name for errors and metrics, e.g. `threads.get`. */
  route: string;
  signal?: AbortSignal;
  /** `json` (default) parses the body; `bytes` returns it raw, up to `maxBytes`. */
  responseType?: 'json' | 'bytes';
  maxBytes?: number;
}

/** Google's error envelope: `{error: {code, message, errors: [{reason, domain, message}], status}}`. */
interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; errors?: { reason?: string; message?: string }[] };
}

const RATE_LIMIT_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'RESOURCE_EXHAUSTED']);

/**
 * A small client for the handful of Google REST endpoints the tool servers use. It owns the cross-cutting
 * rules of https://developers.google.com/gmail/api/guides/handle-errors: 401 → one refresh then a clear
 * error; 403 rate-limit reasons and 429 → bounded backoff with jitter (and a pause of the account's budget);
 * 5xx → bounded retries for reads; everything else → a SwitchboardError whose context carries the upstream,
 * route, status and Google's `reason`.
 */
export class GoogleApiClient {
  readonly #options: GoogleApiClientOptions;

  constructor(options: GoogleApiClientOptions) {
    this.#options = options;
  }

  async json<T>(req: GoogleRequest): Promise<T> {
    const body = await this.#send({ ...req, responseType: 'json' });
    return (body.length === 0 ? {} : JSON.parse(body.toString('utf8'))) as T;
  }

  async bytes(req: GoogleRequest): Promise<Buffer> {
    return this.#send({ ...req, responseType: 'bytes' });
  }

  async #send(req: GoogleRequest): Promise<Buffer> {
    const retry = this.#options.retry ?? DEFAULT_RETRY_POLICY;
    const idempotent = req.method === 'GET';
    // Google answered 401 once already (then the token was refreshed); a second 401 is final.
    let refreshed = false;
    let forceRefresh = false;
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#options.quota.run(
        req.credential.accountKey,
        req.callerKey,
        req.units,
        () => this.#attempt(req, forceRefresh),
        req.signal,
      );
      forceRefresh = false;
      if (outcome.kind === 'ok') return outcome.body;
      if (outcome.kind === 'unauthorized') {
        this.#options.onEvent?.({ type: 'unauthorized', route: req.route, status: 401 });
        if (refreshed) throw await req.credential.rejectedError();
        refreshed = true;
        forceRefresh = true;
        continue;
      }
      const retryable = outcome.kind === 'rate_limited' || (outcome.kind === 'unavailable' && idempotent);
      if (!retryable) throw outcome.error;
      const hinted = outcome.retryAfterMs;
      const delay = hinted ?? backoffDelayMs(attempt - 1, retry.baseMs, retry.capMs);
      if (outcome.kind === 'rate_limited') {
        // Google's per-user quota is the account's, not the caller's: every caller of this account waits.
        await this.#options.quota.pause(req.credential.accountKey, delay, `${req.route} answered ${outcome.status}`);
      }
      if (attempt >= retry.maxAttempts || waitedMs + delay > retry.maxWaitMs) {
        if (outcome.kind === 'rate_limited') {
          this.#options.onEvent?.({ type: 'rate_limited', route: req.route, status: outcome.status });
          const retryAfterS = Math.max(1, Math.ceil(delay / 1000));
          throw new SwitchboardError(
            'RATE_LIMITED',
            `${this.#options.product} is rate-limiting this Google account; retry in ${retryAfterS} s.`,
            { retryAfterS, context: outcome.error.context },
          );
        }
        throw outcome.error;
      }
      this.#options.onEvent?.({ type: 'retry', route: req.route, status: outcome.status });
      waitedMs += delay;
      await sleep(delay, undefined, req.signal === undefined ? undefined : { signal: req.signal });
    }
  }

  async #attempt(req: GoogleRequest, forceRefresh: boolean): Promise<AttemptOutcome> {
    const token = await req.credential.accessToken({
      forceRefresh,
      ...(req.signal === undefined ? {} : { signal: req.signal }),
    });
    const url = new URL(req.path, this.#options.baseUrl.replace(/\/+$/, '/'));
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
    }
    const context = { upstream: this.#options.upstream, route: req.route };
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: req.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: req.responseType === 'bytes' ? '*/*' : 'application/json',
          ...(req.json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(req.json === undefined ? {} : { body: JSON.stringify(req.json) }),
        ...(this.#options.dispatcher === undefined ? {} : { dispatcher: this.#options.dispatcher }),
        ...(req.signal === undefined ? {} : { signal: req.signal }),
        headersTimeout: this.#options.timeoutMs ?? 30_000,
        bodyTimeout: this.#options.timeoutMs ?? 30_000,
      });
    } catch (error) {
      if (req.signal?.aborted) throw error;
      return {
        kind: 'unavailable',
        status: 0,
        retryAfterMs: undefined,
        error: new SwitchboardError('UPSTREAM_UNAVAILABLE', `${this.#options.product} is unreachable; retry shortly.`, {
          retryAfterS: 5,
          context,
          cause: error,
        }),
      };
    }
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      return { kind: 'ok', body: await readBody(response, req.maxBytes, this.#options.product) };
    }
    const bodyText = await response.body.text().catch(() => '');
    if (status === 401) return { kind: 'unauthorized' };
    const parsed = parseGoogleError(bodyText);
    const errorContext = {
      ...context,
      upstreamStatus: status,
      ...(parsed.reason === undefined ? {} : { reason: parsed.reason }),
    };
    const retryAfterMs = retryAfterMsFrom({ status, headers: response.headers, bodyText });
    if (status === 429 || (status === 403 && parsed.reason !== undefined && RATE_LIMIT_REASONS.has(parsed.reason))) {
      return {
        kind: 'rate_limited',
        status,
        retryAfterMs,
        error: new SwitchboardError('RATE_LIMITED', `${this.#options.product} is rate-limiting this account.`, {
          context: errorContext,
        }),
      };
    }
    if (status >= 500) {
      return {
        kind: 'unavailable',
        status,
        retryAfterMs,
        error: new SwitchboardError(
          'UPSTREAM_UNAVAILABLE',
          `${this.#options.product} answered ${status} (${parsed.message}); retry shortly.`,
          { retryAfterS: 5, context: errorContext },
        ),
      };
    }
    const [code, sentence] = describeClientError(status, parsed, this.#options.product);
    return { kind: 'failed', status, error: new SwitchboardError(code, sentence, { context: errorContext }) };
  }
}

type AttemptOutcome =
  | { kind: 'ok'; body: Buffer }
  | { kind: 'unauthorized' }
  | { kind: 'rate_limited' | 'unavailable'; status: number; retryAfterMs: number | undefined; error: SwitchboardError }
  | { kind: 'failed'; status: number; error: SwitchboardError };

async function readBody(response: Dispatcher.ResponseData, maxBytes: number | undefined, product: string) {
  if (maxBytes === undefined) return Buffer.from(await response.body.arrayBuffer());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      response.body.destroy();
      throw new SwitchboardError(
        'EXPORT_TOO_LARGE',
        `The ${product} content is larger than the ${Math.round(maxBytes / 1_000_000)} MB this server reads as text.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseGoogleError(bodyText: string): { reason: string | undefined; message: string } {
  try {
    const body = JSON.parse(bodyText) as GoogleErrorBody;
    const first = body.error?.errors?.[0];
    return {
      reason: first?.reason ?? body.error?.status,
      message: body.error?.message ?? first?.message ?? 'no details',
    };
  } catch {
    return { reason: undefined, message: bodyText.slice(0, 200) || 'no details' };
  }
}

function describeClientError(
  status: number,
  parsed: { reason: string | undefined; message: string },
  product: string,
): [ErrorCode, string] {
  if (status === 404) return ['NOT_FOUND', `${product} found no such item (${parsed.message}).`];
  if (status === 400) return ['VALIDATION_FAILED', `${product} refused the request: ${parsed.message}.`];
  if (status === 403 && parsed.reason === 'dailyLimitExceeded') {
    return ['RATE_LIMITED', `${product}'s daily limit for this project is used up; retry tomorrow.`];
  }
  if (status === 403) return ['FORBIDDEN', `${product} denied access: ${parsed.message}.`];
  return ['UPSTREAM_ERROR', `${product} answered ${status}: ${parsed.message}.`];
}
