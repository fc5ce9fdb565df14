/**
 * The one catalogue of error codes. Every failure that crosses a boundary (HTTP problem detail, JSON-RPC
 * error, tool result with isError) is described here once: its HTTP status, its JSON-RPC code and whether
 * a caller may retry it.
 *
 * JSON-RPC codes in -32000…-32099 are "implementation-defined server errors" (JSON-RPC 2.0 §5.1); the
 * values below are Switchboard's and documented in the README. -32001 is the MCP SDKs' "session not found".
 */
export const errorCatalogue = {
  PARSE_ERROR: { status: 400, jsonRpc: -32700, retryable: false, title: 'Request body is not valid JSON' },
  INVALID_REQUEST: { status: 400, jsonRpc: -32600, retryable: false, title: 'Invalid JSON-RPC request' },
  METHOD_NOT_FOUND: { status: 200, jsonRpc: -32601, retryable: false, title: 'Method not found' },
  INVALID_PARAMS: { status: 200, jsonRpc: -32602, retryable: false, title: 'Invalid params' },
  VALIDATION_FAILED: { status: 400, jsonRpc: -32602, retryable: false, title: 'Input failed validation' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, jsonRpc: -32600, retryable: false, title: 'Unsupported media type' },
  NOT_ACCEPTABLE: { status: 406, jsonRpc: -32600, retryable: false, title: 'Not acceptable' },
  PAYLOAD_TOO_LARGE: { status: 413, jsonRpc: -32600, retryable: false, title: 'Request body too large' },
  UNAUTHENTICATED: { status: 401, jsonRpc: -32040, retryable: false, title: 'Missing or invalid credentials' },
  FORBIDDEN: { status: 403, jsonRpc: -32041, retryable: false, title: 'Forbidden' },
  SCOPE_DENIED: { status: 403, jsonRpc: -32042, retryable: false, title: 'The key does not grant this scope' },
  NOT_FOUND: { status: 404, jsonRpc: -32043, retryable: false, title: 'Not found' },
  SESSION_NOT_FOUND: { status: 404, jsonRpc: -32001, retryable: false, title: 'Session not found' },
  CONFLICT: { status: 409, jsonRpc: -32044, retryable: false, title: 'Conflict' },
  IDEMPOTENCY_MISMATCH: {
    status: 409,
    jsonRpc: -32045,
    retryable: false,
    title: 'Idempotency key reused with different arguments',
  },
  IN_PROGRESS: { status: 409, jsonRpc: -32046, retryable: true, title: 'The same request is still in progress' },
  RATE_LIMITED: { status: 429, jsonRpc: -32029, retryable: true, title: 'Rate limited' },
  NOT_CONFIGURED: { status: 503, jsonRpc: -32050, retryable: false, title: 'Not configured' },
  UPSTREAM_UNAVAILABLE: { status: 503, jsonRpc: -32051, retryable: true, title: 'Upstream unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, jsonRpc: -32052, retryable: true, title: 'Upstream timed out' },
  UPSTREAM_ERROR: { status: 502, jsonRpc: -32053, retryable: false, title: 'Upstream answered with an error' },
  UPSTREAM_AUTH: { status: 502, jsonRpc: -32054, retryable: false, title: 'Upstream rejected our credentials' },
  OUTCOME_UNKNOWN: { status: 502, jsonRpc: -32055, retryable: false, title: 'Outcome of a write is not known yet' },
  STORE_UNAVAILABLE: { status: 503, jsonRpc: -32056, retryable: true, title: 'Store unavailable' },
  /** The caller's key has no (working) link to its upstream account; `details.connect_url` fixes it. */
  CONNECT_REQUIRED: {
    status: 403,
    jsonRpc: -32060,
    retryable: false,
    title: 'Link an upstream account before using this tool',
  },
  /** A write that must be confirmed by the user (`confirm: true`) was called without it. */
  CONFIRMATION_REQUIRED: { status: 428, jsonRpc: -32061, retryable: false, title: 'Confirmation required' },
  /** The item exists but cannot be returned as text (binary file, unsupported Google type). */
  UNSUPPORTED_CONTENT: { status: 415, jsonRpc: -32062, retryable: false, title: 'Content cannot be read as text' },
  /** Google Drive exports at most 10 MB; larger documents cannot be read through the API. */
  EXPORT_TOO_LARGE: { status: 413, jsonRpc: -32063, retryable: false, title: 'File too large to export' },
  INTERNAL: { status: 500, jsonRpc: -32603, retryable: false, title: 'Internal error' },
} as const satisfies Record<string, { status: number; jsonRpc: number; retryable: boolean; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;
