import { type ErrorCode, errorCatalogue } from './catalogue.ts';

export interface ErrorContext {
  /** Upstream service the failure came from (blotato, gmail, drive, or an MCP upstream name). */
  upstream?: string;
  /** Upstream route, e.g. `POST /v2/posts`. */
  route?: string;
  /** HTTP status the upstream answered with. */
  upstreamStatus?: number;
  [key: string]: unknown;
}

export interface SwitchboardErrorOptions {
  /** Seconds after which a retry may succeed (rate limits, paused budgets). */
  retryAfterS?: number;
  context?: ErrorContext;
  /** Extra machine-readable fields placed beside `code` in tool results and problem details. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An error whose code is in the catalogue; `message` is a sentence a person or a model can act on. */
export class SwitchboardError extends Error {
  override readonly name = 'SwitchboardError';
  readonly code: ErrorCode;
  readonly retryAfterS: number | undefined;
  readonly context: ErrorContext | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterS = options.retryAfterS;
    this.context = options.context;
    this.details = options.details;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  get retryable(): boolean {
    return errorCatalogue[this.code].retryable;
  }
}

export function isSwitchboardError(value: unknown): value is SwitchboardError {
  return value instanceof SwitchboardError;
}

/** Any thrown value as a SwitchboardError; unknown failures become INTERNAL without leaking their text. */
export function asSwitchboardError(value: unknown): SwitchboardError {
  if (value instanceof SwitchboardError) return value;
  return new SwitchboardError('INTERNAL', 'Internal error; the incident was logged.', { cause: value });
}
