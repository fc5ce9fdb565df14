import { errorCatalogue } from './catalogue.ts';
import { asSwitchboardError } from './switchboard-error.ts';

/** RFC 9457 problem detail, with Switchboard's stable `code`. */
export interface ProblemDetail {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  retry_after_s?: number;
  [key: string]: unknown;
}

export function toProblemDetail(error: unknown, instance?: string): ProblemDetail {
  const e = asSwitchboardError(error);
  const entry = errorCatalogue[e.code];
  return {
    type: `https://switchboard.dev/errors/${e.code.toLowerCase().replaceAll('_', '-')}`,
    title: entry.title,
    status: entry.status,
    detail: e.message,
    code: e.code,
    ...(e.retryAfterS === undefined ? {} : { retry_after_s: e.retryAfterS }),
    ...(instance === undefined ? {} : { instance }),
    ...e.details,
  };
}

export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string; data?: Record<string, unknown> };
}

export function toJsonRpcError(error: unknown, id: string | number | null = null): JsonRpcErrorBody {
  const e = asSwitchboardError(error);
  const data: Record<string, unknown> = { code: e.code, ...e.details };
  if (e.retryAfterS !== undefined) data['retryAfterSeconds'] = e.retryAfterS;
  if (e.context?.upstream !== undefined) data['upstream'] = e.context.upstream;
  return { jsonrpc: '2.0', id, error: { code: errorCatalogue[e.code].jsonRpc, message: e.message, data } };
}

/**
 * A failed tool call as MCP prescribes (a result with `isError: true`, so the model sees it), carrying the
 * machine-readable error under `structuredContent.error`.
 */
export function toToolErrorResult(error: unknown) {
  const e = asSwitchboardError(error);
  const structured: Record<string, unknown> = {
    code: e.code,
    message: e.message,
    retryable: e.retryable,
    ...(e.retryAfterS === undefined ? {} : { retry_after_s: e.retryAfterS }),
    ...(e.context === undefined ? {} : { context: e.context }),
    ...e.details,
  };
  return {
    content: [{ type: 'text' as const, text: e.message }],
    structuredContent: { error: structured },
    isError: true as const,
  };
}
