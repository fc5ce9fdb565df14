import { SwitchboardError } from '@switchboard/errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../admin/admin-auth.ts';
import { problemResponses } from '../admin/admin-schemas.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { OAuthClients } from './oauth-clients.ts';
import type { ClientRecord } from './oauth-store.ts';
import { redirectUriProblem } from './redirect-uris.ts';

/** Where Claude (claude.ai, Desktop, mobile) sends the browser back after consent. */
export const CLAUDE_REDIRECT_URIS = [
  'https://claude.ai/api/mcp/auth_callback',
  'https://claude.com/api/mcp/auth_callback',
];

const tags = ['oauth clients'];

const createClientBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).describe('Shown on the consent page, e.g. "Claude (team connector)".'),
    redirect_uris: z
      .array(z.string().max(2000))
      .min(1)
      .max(10)
      .optional()
      .describe("Exact redirect URIs; default: Claude's two callback URLs."),
  })
  .strict();

const clientIdParamsSchema = z.object({ id: z.string().regex(/^sbc_[A-Za-z0-9_-]{43}$/, 'not a client id') });

const clientViewSchema = z
  .object({
    client_id: z.string(),
    name: z.string(),
    redirect_uris: z.array(z.string()),
    token_endpoint_auth_method: z.string(),
    created_at: z.string(),
    last_used_at: z.string(),
    created_by: z.string().optional(),
  })
  .meta({ id: 'AdminOAuthClient' });

const issuedClientViewSchema = clientViewSchema
  .extend({ client_secret: z.string().describe('Shown once; only its hash is stored.') })
  .meta({ id: 'AdminIssuedOAuthClient' });

function toView(record: ClientRecord): z.infer<typeof clientViewSchema> {
  return {
    client_id: record.id,
    name: record.name,
    redirect_uris: record.redirectUris,
    token_endpoint_auth_method: record.authMethod,
    created_at: new Date(record.createdAt).toISOString(),
    last_used_at: new Date(record.lastUsedAt).toISOString(),
    ...(record.createdBy === undefined ? {} : { created_by: record.createdBy }),
  };
}

/**
 * `/oauth/clients…` (under `/admin/v1`, inside the admin auth scope): pre-registered OAuth clients, for
 * clients that cannot register themselves, such as Claude's "Advanced settings" (OAuth Client ID and Client
 * Secret). The secret is returned once, at creation.
 */
export function oauthClientRoutes(deps: {
  clients: OAuthClients;
  audit?: AuditLog | undefined;
}): FastifyPluginAsyncZod {
  const { clients, audit } = deps;
  return async (app) => {
    app.post(
      '/oauth/clients',
      {
        schema: {
          tags,
          summary: 'Pre-register an OAuth client; the response carries its secret, once',
          body: createClientBodySchema,
          response: { 201: issuedClientViewSchema, ...problemResponses },
        },
      },
      async (request, reply) => {
        const redirectUris = request.body.redirect_uris ?? CLAUDE_REDIRECT_URIS;
        for (const uri of redirectUris) {
          const problem = redirectUriProblem(uri);
          if (problem !== null) throw new SwitchboardError('VALIDATION_FAILED', `body.redirect_uris: ${problem}.`);
        }
        const actor = actorOf(request);
        const { client, secret } = await clients.createPreregistered(
          { name: request.body.name, redirectUris },
          actor.id,
        );
        await audit?.record({
          actor: actor.id,
          ip: actor.ip,
          action: 'oauth_client.create',
          target: client.id,
          outcome: 'success',
          details: { name: client.name, redirect_uris: client.redirectUris },
        });
        return reply.code(201).send({ ...toView(client), client_secret: secret });
      },
    );

    app.get(
      '/oauth/clients',
      {
        schema: {
          tags,
          summary: 'List pre-registered OAuth clients (never their secrets)',
          response: { 200: z.object({ items: z.array(clientViewSchema) }), ...problemResponses },
        },
      },
      async () => ({ items: (await clients.listPreregistered()).map(toView) }),
    );

    app.get(
      '/oauth/clients/:id',
      {
        schema: {
          tags,
          summary: 'Read a pre-registered OAuth client',
          params: clientIdParamsSchema,
          response: { 200: clientViewSchema, ...problemResponses },
        },
      },
      async (request) => {
        const client = await clients.getPreregistered(request.params.id);
        if (client === null)
          throw new SwitchboardError('NOT_FOUND', `No pre-registered OAuth client ${request.params.id}.`);
        return toView(client);
      },
    );

    app.delete(
      '/oauth/clients/:id',
      {
        schema: {
          tags,
          summary: 'Delete a pre-registered OAuth client; its refresh tokens stop working',
          params: clientIdParamsSchema,
          response: { 204: z.null().describe('Deleted'), ...problemResponses },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const existing = await clients.getPreregistered(request.params.id);
        if (existing === null || !(await clients.delete(existing.id))) {
          throw new SwitchboardError('NOT_FOUND', `No pre-registered OAuth client ${request.params.id}.`);
        }
        await audit?.record({
          actor: actor.id,
          ip: actor.ip,
          action: 'oauth_client.delete',
          target: existing.id,
          outcome: 'success',
          details: { name: existing.name },
        });
        return reply.code(204).send(null);
      },
    );
  };
}
