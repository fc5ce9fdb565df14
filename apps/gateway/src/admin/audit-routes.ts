import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { auditPageSchema, auditQuerySchema, problemResponses, toAuditView } from './admin-schemas.ts';

/** `/audit`: the audit log, newest first. */
export const auditRoutes: FastifyPluginAsyncZod<{ audit: AuditLog }> = async (app, { audit }) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Admin actions and authentication events, newest first',
        querystring: auditQuerySchema,
        response: { 200: auditPageSchema, ...problemResponses },
      },
    },
    async (request) => {
      const page = await audit.list({ limit: request.query.limit ?? 50, cursor: request.query.cursor });
      return { items: page.items.map(toAuditView), next_cursor: page.nextCursor };
    },
  );
};
