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
 * Where every Switchboard tool error carries its machine-readable form. A `_meta` key with a reverse-DNS
 * prefix, as the MCP spec asks (https://modelcontextprotocol.io/specification/2025-11-25/basic#_meta).
 */
export const TOOL_ERROR_META_KEY = 'dev.switchboard/error';

/** The machine-readable part of a tool error result. */
export interface ToolError {
  code: string;
  message: string;
  retryable: boolean;
  retry_after_s?: number;
  context?: Record<string, unknown>;
  [key: string]: unknown;
}

// A type alias, not an interface: MCP SDK result types need an implicit index signature.
export type ToolErrorResult = {
  content: [{ type: 'text'; text: string }];
  isError: true;
  _meta: { [TOOL_ERROR_META_KEY]: ToolError };
  structuredContent?: { error: ToolError };
};

/**
 * A failed tool call as MCP prescribes: a result with `isError: true`, so the model sees the sentence. The
 * machine-readable error is always under `_meta["dev.switchboard/error"]`; `structuredContent.error` too,
 * but only when the tool declares no outputSchema: the SDK v1 client (and any strict client) validates
 * `structuredContent` against the outputSchema even on an error and rejects the whole result when it does
 * not match, so the model would never see the error.
 */
export function toToolErrorResult(error: unknown, tool: { hasOutputSchema: boolean }): ToolErrorResult {
  const e = asSwitchboardError(error);
  const structured: ToolError = {
    ...e.details,
    code: e.code,
    message: e.message,
    retryable: e.retryable,
    ...(e.retryAfterS === undefined ? {} : { retry_after_s: e.retryAfterS }),
    ...(e.context === undefined ? {} : { context: { ...e.context } }),
  };
  return {
    content: [{ type: 'text', text: e.message }],
    isError: true,
    _meta: { [TOOL_ERROR_META_KEY]: structured },
    ...(tool.hasOutputSchema ? {} : { structuredContent: { error: structured } }),
  };
}

/**
 * The error of a tool result, wherever a Switchboard tool server or gateway put it (`_meta`, else
 * `structuredContent.error`); undefined when the result is not an error or carries no code.
 */
export function readToolError(result: {
  isError?: boolean;
  _meta?: unknown;
  structuredContent?: unknown;
}): ToolError | undefined {
  if (result.isError !== true) return undefined;
  const fromMeta = isRecord(result._meta) ? result._meta[TOOL_ERROR_META_KEY] : undefined;
  const fromContent = isRecord(result.structuredContent) ? result.structuredContent['error'] : undefined;
  const error = fromMeta ?? fromContent;
  return isRecord(error) && typeof error['code'] === 'string' ? (error as ToolError) : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
