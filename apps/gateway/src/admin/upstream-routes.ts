import type { Caller } from '@switchboard/caller-assertion';
import { isSwitchboardError, readToolError, SwitchboardError } from '@switchboard/errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { actorOf } from './admin-auth.ts';
import { problemResponses, upstreamListSchema } from './admin-schemas.ts';
import { isReadOnly, readUpstreamReadiness, readUpstreams } from './upstream-view.ts';

/**
 * Who a test call runs as, upstream. Not a key: the tool server sees a caller no key has, so a tool that
 * needs a per-key account (our Gmail and Drive servers) answers CONNECT_REQUIRED rather than acting as
 * somebody's linked account. The signed-in admin goes along as `owner`, for the upstream's own logs.
 */
export const TEST_CALL_KEY_ID = 'admin-console';
const TEST_CALL_TIMEOUT_MS = 30_000;
let nextId = 1;

const upstreamParamsSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/, 'An upstream name as GET /upstreams lists it.'),
});

export const testCallBodySchema = z
  .strictObject({
    tool: z.string().min(1).max(128).describe('The exposed tool name, as GET /upstreams lists it.'),
    arguments: z.record(z.string(), z.unknown()).optional().describe('The tool arguments; default {}.'),
  })
  .meta({ id: 'AdminTestCallRequest' });

export const testCallResultSchema = z
  .object({
    upstream: z.string(),
    tool: z.string(),
    original: z.string().describe('The name the upstream knows the tool by.'),
    duration_ms: z.number(),
    is_error: z.boolean().describe('The tool result said `isError: true`, or the upstream answered a JSON-RPC error.'),
    text: z.string().describe('The text content of the result (or the JSON-RPC error message), joined.'),
    error_code: z
      .string()
      .nullable()
      .describe('The structured error code (e.g. CONNECT_REQUIRED, RATE_LIMITED), or the JSON-RPC error code.'),
    result: z.record(z.string(), z.unknown()).nullable().describe('The tool result as the upstream sent it.'),
  })
  .meta({ id: 'AdminTestCallResult' });

/**
 * `/upstreams`: each upstream's state, circuit, negotiated revision, tools, and its own readiness report;
 * and a test call of one of its read-only tools.
 */
export const upstreamRoutes: FastifyPluginAsyncZod<{ registry: UpstreamRegistry; audit: AuditLog }> = async (
  app,
  { registry, audit },
) => {
  app.get(
    '/upstreams',
    {
      schema: {
        tags: ['upstreams'],
        summary: 'Upstream servers as this replica sees them, with their tools and their /readyz report',
        response: { 200: upstreamListSchema, ...problemResponses },
      },
    },
    async () => {
      const views = readUpstreams(registry);
      const readiness = await Promise.all(views.map((v) => readUpstreamReadiness(v.url)));
      return { items: views.map((v, i) => ({ ...v, readiness: readiness[i] ?? null })) };
    },
  );

  app.post(
    '/upstreams/:name/test-call',
    {
      schema: {
        tags: ['upstreams'],
        summary:
          'Call one read-only tool (annotations.readOnlyHint) of the upstream, as the "admin-console" caller; other tools are refused',
        params: upstreamParamsSchema,
        body: testCallBodySchema,
        response: { 200: testCallResultSchema, ...problemResponses },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { name } = request.params;
      const { tool } = request.body;
      const upstream = registry.byName(name);
      if (upstream === undefined) throw new SwitchboardError('NOT_FOUND', `No upstream ${name} is configured.`);
      const entry = registry.tools.get(tool);
      if (entry === undefined || entry.upstream !== upstream) {
        throw new SwitchboardError('NOT_FOUND', `The ${name} server lists no tool ${tool} (yet).`);
      }
      const record = (outcome: 'success' | 'failure' | 'denied', details: Record<string, string | boolean>) =>
        audit.record({
          actor: actor.id,
          ip: actor.ip,
          action: 'upstream.test_call',
          target: name,
          outcome,
          // The tool and how it ended; never the arguments or the result (the audit log holds no content).
          details: { tool, ...details },
        });
      // The upstream's own claim is the only safety here: a tool that may write, send or publish is never
      // run from the console, whatever arguments are given.
      if (!isReadOnly(entry.definition)) {
        await record('denied', { reason: 'not_read_only' });
        throw new SwitchboardError(
          'FORBIDDEN',
          `${tool} is not marked read-only by the ${name} server (annotations.readOnlyHint), so the console does not call it.`,
        );
      }
      const caller: Caller = { keyId: TEST_CALL_KEY_ID, scopes: ['*'], owner: actor.id };
      const started = performance.now();
      let response: Awaited<ReturnType<typeof upstream.exchange>>;
      try {
        response = await upstream.exchange(
          {
            jsonrpc: '2.0',
            id: `admin-test-${nextId++}`,
            method: 'tools/call',
            params: { name: entry.original, arguments: request.body.arguments ?? {} },
          },
          { caller, timeoutMs: TEST_CALL_TIMEOUT_MS },
        );
      } catch (error) {
        await record('failure', { code: isSwitchboardError(error) ? error.code : 'INTERNAL' });
        throw error;
      }
      const duration = Math.round(performance.now() - started);
      if (response.error !== undefined) {
        await record('failure', { code: String(response.error.code) });
        return {
          upstream: name,
          tool,
          original: entry.original,
          duration_ms: duration,
          is_error: true,
          text: response.error.message,
          error_code: String(response.error.code),
          result: null,
        };
      }
      const result = (response.result ?? {}) as Record<string, unknown>;
      const isError = result['isError'] === true;
      const code = readToolError(result)?.code ?? null;
      await record(isError ? 'failure' : 'success', { is_error: isError, ...(code === null ? {} : { code }) });
      return {
        upstream: name,
        tool,
        original: entry.original,
        duration_ms: duration,
        is_error: isError,
        text: textOf(result['content']),
        error_code: code,
        result,
      };
    },
  );
};

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && (part as Record<string, unknown>)['type'] === 'text'
        ? String((part as Record<string, unknown>)['text'] ?? '')
        : `[${String((part as Record<string, unknown> | null)?.['type'] ?? 'content')}]`,
    )
    .join('\n');
}
