import { SwitchboardError } from '@switchboard/errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import type { LinkedAccount } from '../connect/linked-accounts.ts';
import type { KeyService } from '../keys/key-service.ts';
import { actorOf } from './admin-auth.ts';
import { keyIdParamsSchema, problemResponses } from './admin-schemas.ts';

/** What the account routes need of `LinkedAccounts` (tests hand in a tool server of their own). */
export interface AccountDirectory {
  list(keyId: string): Promise<LinkedAccount[]>;
  unlink(keyId: string, upstream: string): Promise<boolean>;
}

const tags = ['keys'];

export const linkedAccountListSchema = z.object({
  items: z.array(
    z
      .object({
        upstream: z.string(),
        linked: z.boolean().nullable().describe('null when the tool server could not be asked (see error).'),
        mode: z
          .string()
          .nullable()
          .describe(
            'per-caller (each key links its own account), single-account (one shared account) or unconfigured.',
          ),
        email: z.string().nullable(),
        status: z.enum(['active', 'broken']).nullable().describe('broken: Google refused the grant; link again.'),
        broken_reason: z.string().nullable(),
        linked_at: z.string().nullable(),
        error: z.string().nullable(),
      })
      .meta({ id: 'AdminLinkedAccount' }),
  ),
});

const unlinkParamsSchema = keyIdParamsSchema.extend({
  upstream: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/, 'An upstream name as GET /keys/{id}/accounts lists it.'),
});

/**
 * `/keys/{id}/accounts…`: the upstream accounts (Google, for Gmail and Drive) the key's owner linked, read
 * from the tool servers that hold them, and unlinking one. Unlinking keeps the key: the next call of one of
 * that server's tools answers CONNECT_REQUIRED with a fresh link.
 */
export const accountRoutes: FastifyPluginAsyncZod<{
  keys: KeyService;
  accounts: AccountDirectory;
  audit: AuditLog;
}> = async (app, { keys, accounts, audit }) => {
  app.get(
    '/keys/:id/accounts',
    {
      schema: {
        tags,
        summary: 'Accounts the key linked on each upstream with "connect": true (never tokens)',
        params: keyIdParamsSchema,
        response: { 200: linkedAccountListSchema, ...problemResponses },
      },
    },
    async (request) => {
      const key = await keys.get(request.params.id);
      return { items: await accounts.list(key.id) };
    },
  );

  app.delete(
    '/keys/:id/accounts/:upstream',
    {
      schema: {
        tags,
        summary: "Unlink the key's account on that upstream; the key stays and can link one again",
        params: unlinkParamsSchema,
        response: { 204: z.null().describe('Unlinked'), ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = await keys.get(request.params.id);
      const { upstream } = request.params;
      const actor = actorOf(request);
      const unlinked = await accounts.unlink(key.id, upstream);
      if (!unlinked) throw new SwitchboardError('NOT_FOUND', `Key ${key.id} has no account linked on ${upstream}.`);
      await audit.record({
        actor: actor.id,
        ip: actor.ip,
        action: 'key.account.unlink',
        target: key.id,
        outcome: 'success',
        details: { upstream },
      });
      return reply.code(204).send(null);
    },
  );
};
