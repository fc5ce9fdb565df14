import { SwitchboardError, toJsonRpcError } from '@switchboard/errors';
import type { FastifyReply } from 'fastify';
import type { AdmissionDecision } from '../rate-limits/admission.ts';
import type { JsonRpcId } from '../upstreams/json-rpc.ts';

/** Protocol failures on `/mcp` as JSON-RPC error bodies (tool failures are results instead: tool-call-handler.ts). */
export function sendError(reply: FastifyReply, status: number, id: JsonRpcId | null, error: SwitchboardError) {
  return reply.code(status).type('application/json').send(toJsonRpcError(error, id));
}

/** A request other than `tools/call` refused by a per-key limit: HTTP 429 with `Retry-After`. */
export function refuse(reply: FastifyReply, id: JsonRpcId, decision: AdmissionDecision) {
  const r = decision.refusal!;
  const error = new SwitchboardError(
    'RATE_LIMITED',
    `Rate limit: ${r.limit} requests per ${describeWindow(r.windowS)} (${r.scope}); retry in ${r.retryAfterS} s.`,
    { retryAfterS: r.retryAfterS, details: { limit: r.limit, window_s: r.windowS, scope: r.scope } },
  );
  return reply
    .code(429)
    .headers({ ...decision.headers, 'retry-after': String(r.retryAfterS) })
    .type('application/json')
    .send(toJsonRpcError(error, id));
}

export function describeWindow(windowS: number): string {
  if (windowS === 60) return 'minute';
  if (windowS === 3600) return 'hour';
  if (windowS === 86400) return 'day';
  return `${windowS} s`;
}

/** JSON-RPC ids are strings or integers; anything else is no id. */
export function validId(value: unknown): JsonRpcId | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return undefined;
}

export const sessionNotFound = () =>
  new SwitchboardError('SESSION_NOT_FOUND', 'Session not found; initialize a new session.');
