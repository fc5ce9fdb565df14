import { SwitchboardError } from '@switchboard/errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../admin/admin-auth.ts';
import { keyIdParamsSchema, problemResponses } from '../admin/admin-schemas.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import type { KeyStore } from '../keys/key-store.ts';
import type { FamilyRecord, OAuthStore } from './oauth-store.ts';

const tags = ['keys'];

const grantParamsSchema = keyIdParamsSchema.extend({
  grant: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'A grant id is the id listed by GET /keys/{id}/oauth-grants.'),
});

export const oauthGrantViewSchema = z
  .object({
    id: z.string().describe('The refresh-token family: every token descended from one consent.'),
    client_id: z.string(),
    client_name: z
      .string()
      .nullable()
      .describe('As registered; null for a client known only by its metadata document URL, or deleted.'),
    scope: z.string(),
    resource: z.string(),
    created_at: z.string().describe('When the person consented.'),
    expires_at: z.string().describe('When the current refresh token stops working unless it is used.'),
  })
  .meta({ id: 'AdminOAuthGrant' });

export const oauthGrantListSchema = z.object({ items: z.array(oauthGrantViewSchema) });

/**
 * `/keys/{id}/oauth-grants…` (under `/admin/v1`, inside the admin auth scope): the OAuth authorizations
 * (Claude connectors and other clients) consented with a key, and revoking one without revoking the key.
 * Revoking deletes the refresh-token family, so the client must authorize again; an access token already
 * issued stays valid until it expires (minutes, GATEWAY_OAUTH_ACCESS_TOKEN_TTL_S), as with RFC 7009.
 */
export function keyGrantRoutes(deps: {
  store: OAuthStore;
  keyStore: KeyStore;
  clock: Clock;
  audit?: AuditLog | undefined;
}): FastifyPluginAsyncZod {
  const { store, keyStore, clock, audit } = deps;
  const requireKey = async (id: string) => {
    if ((await keyStore.get(id)) === null) throw new SwitchboardError('NOT_FOUND', `No key ${id}.`);
  };
  const view = async (family: FamilyRecord): Promise<z.infer<typeof oauthGrantViewSchema>> => {
    const client = await store.getClient(family.clientId);
    return {
      id: family.id,
      client_id: family.clientId,
      client_name: client?.name ?? null,
      scope: family.scope,
      resource: family.resource,
      created_at: new Date(family.createdAt).toISOString(),
      expires_at: new Date(family.expiresAt).toISOString(),
    };
  };

  return async (app) => {
    app.get(
      '/keys/:id/oauth-grants',
      {
        schema: {
          tags,
          summary: 'OAuth grants (consents) bound to the key, oldest first; never tokens or their hashes',
          params: keyIdParamsSchema,
          response: { 200: oauthGrantListSchema, ...problemResponses },
        },
      },
      async (request) => {
        await requireKey(request.params.id);
        const now = clock.now();
        const families = (await store.listFamiliesByKey(request.params.id)).filter((f) => f.expiresAt > now);
        return { items: await Promise.all(families.map(view)) };
      },
    );

    app.delete(
      '/keys/:id/oauth-grants/:grant',
      {
        schema: {
          tags,
          summary: 'Revoke one OAuth grant of the key: its refresh tokens stop working at once',
          params: grantParamsSchema,
          response: { 204: z.null().describe('Revoked'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const { id, grant } = request.params;
        await requireKey(id);
        const family = await store.getFamily(grant);
        // A grant of another key is "not found" here: the URL names the key it must belong to.
        if (family === null || family.keyId !== id || !(await store.deleteFamily(grant))) {
          throw new SwitchboardError('NOT_FOUND', `Key ${id} has no OAuth grant ${grant}.`);
        }
        const actor = actorOf(request);
        await audit?.record({
          actor: actor.id,
          ip: actor.ip,
          action: 'key.oauth_grant.revoke',
          target: id,
          outcome: 'success',
          details: { grant, client_id: family.clientId },
        });
        return reply.code(204).send(null);
      },
    );
  };
}
