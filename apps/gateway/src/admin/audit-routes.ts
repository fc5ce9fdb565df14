import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import { auditPageSchema, auditQuerySchema, problemResponses, toAuditView } from './admin-schemas.ts';

/** How many entries one filtered request may read, so a rare filter cannot scan the whole stream. */
const FILTER_SCAN_BUDGET = 2000;

/** `/audit`: the audit log, newest first, optionally filtered by action, actor, target and outcome. */
export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditLog }> = async (app, { audit }) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Admin actions and authentication events, newest first',
        description:
          'With filters, a page may hold fewer than `limit` entries (at most 2000 are read per request) and still have a `next_cursor`.',
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { limit = 50, cursor, action, actor, target, outcome } = request.query;
      const matches = (e: AuditEntry) =>
        (action === undefined || e.action.startsWith(action)) &&
        (actor === undefined || e.actor === actor) &&
        (target === undefined || e.target === target) &&
        (outcome === undefined || e.outcome === outcome);
      const filtered = action !== undefined || actor !== undefined || target !== undefined || outcome !== undefined;
      if (!filtered) {
        const page = await audit.list({ limit, cursor });
        return { items: page.items.map(toAuditView), next_cursor: page.nextCursor };
      }
      const items: AuditEntry[] = [];
      let next: string | null | undefined = cursor;
      let scanned = 0;
      do {
        const page = await audit.list({ limit: 200, cursor: next ?? undefined });
        for (const [i, entry] of page.items.entries()) {
          scanned++;
          if (matches(entry)) items.push(entry);
          if (items.length === limit) {
            const more = i < page.items.length - 1 || page.nextCursor !== null;
            return { items: items.map(toAuditView), next_cursor: more ? entry.id : null };
          }
        }
        next = page.nextCursor;
      } while (next !== null && scanned < FILTER_SCAN_BUDGET);
      return { items: items.map(toAuditView), next_cursor: next };
    },
  );
};
