import { SwitchboardError } from '@switchboard/errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { KeyService } from '../keys/key-service.ts';
import { type ScopeCatalog, unmatchedScopes } from '../keys/unmatched-scopes.ts';
import { actorOf } from './admin-auth.ts';
import {
  createKeyBodySchema,
  issuedKeyViewSchema,
  keyIdParamsSchema,
  keyPageSchema,
  keyViewSchema,
  listKeysQuerySchema,
  parseTime,
  problemResponses,
  rotateKeyBodySchema,
  toKeyView,
  updateKeyBodySchema,
  usageQuerySchema,
  usageViewSchema,
} from './admin-schemas.ts';

export interface KeyRoutesOptions {
  keys: KeyService;
  usage: (keyId: string, hours: number) => Promise<Record<string, { calls: number; refused: number }>>;
  /** What scopes can grant now; unset, any well-formed scope is accepted. */
  scopeCatalog?: (() => ScopeCatalog) | undefined;
}

const tags = ['keys'];

/** `/keys…`: create, list, read, change, rotate, revoke and usage of team API keys. */
export const keyRoutes: FastifyPluginAsyncZod<KeyRoutesOptions> = async (app, { keys, usage, scopeCatalog }) => {
  const view = (record: Parameters<typeof toKeyView>[0]) => toKeyView(record, keys.statusOf(record));
  const checkScopes = (scopes: string[] | undefined, allowUnknown: boolean | undefined) => {
    if (scopes === undefined || allowUnknown === true || scopeCatalog === undefined) return;
    const catalog = scopeCatalog();
    const unknown = unmatchedScopes(scopes, catalog);
    if (unknown.length > 0) throw unknownScopesError(unknown, catalog);
  };

  app.post(
    '/keys',
    {
      schema: {
        tags,
        summary: 'Create a key; the response carries the plaintext token, once',
        body: createKeyBodySchema,
        response: { 201: issuedKeyViewSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      checkScopes(body.scopes, body.allow_unknown_scopes);
      const { key, token } = await keys.create(
        {
          name: body.name,
          owner: body.owner,
          scopes: body.scopes,
          limits: body.limits,
          expiresAt: parseTime(body.expires_at),
        },
        actorOf(request),
      );
      return reply.code(201).send({ ...view(key), token });
    },
  );

  app.get(
    '/keys',
    {
      schema: {
        tags,
        summary: 'List keys in creation order',
        querystring: listKeysQuerySchema,
        response: { 200: keyPageSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { limit, cursor, status, owner, q } = request.query;
      const page = await keys.list({ limit: limit ?? 20, cursor, status, owner, search: q });
      return { items: page.items.map(view), next_cursor: page.nextCursor };
    },
  );

  app.get(
    '/keys/:id',
    {
      schema: {
        tags,
        summary: 'Read a key',
        params: keyIdParamsSchema,
        response: { 200: keyViewSchema, ...problemResponses },
      },
    },
    async (request) => view(await keys.get(request.params.id)),
  );

  app.patch(
    '/keys/:id',
    {
      schema: {
        tags,
        summary: 'Change name, owner, scopes, limits or expiry; applies on every replica within 1 s',
        params: keyIdParamsSchema,
        body: updateKeyBodySchema,
        response: { 200: keyViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const body = request.body;
      checkScopes(body.scopes, body.allow_unknown_scopes);
      const record = await keys.update(
        request.params.id,
        {
          name: body.name,
          owner: body.owner,
          scopes: body.scopes,
          limits: body.limits,
          expiresAt: parseTime(body.expires_at),
        },
        actorOf(request),
      );
      return view(record);
    },
  );

  app.post(
    '/keys/:id/rotate',
    {
      schema: {
        tags,
        summary: 'Issue a new secret; the previous one keeps working for grace_period_s (default 24 h)',
        params: keyIdParamsSchema,
        body: rotateKeyBodySchema,
        response: { 200: issuedKeyViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { key, token } = await keys.rotate(
        request.params.id,
        { gracePeriodS: request.body?.grace_period_s },
        actorOf(request),
      );
      return { ...view(key), token };
    },
  );

  const revoke = {
    schema: {
      tags,
      summary: 'Revoke a key: refused on every replica within 1 s (idempotent)',
      params: keyIdParamsSchema,
      response: { 200: keyViewSchema, ...problemResponses },
    },
  };
  app.post('/keys/:id/revoke', revoke, async (request) => view(await keys.revoke(request.params.id, actorOf(request))));
  // Keys are never hard-deleted (the audit log keeps referring to them): DELETE is revoke.
  app.delete(
    '/keys/:id',
    { schema: { ...revoke.schema, summary: 'Same as POST /keys/{id}/revoke' } },
    async (request) => view(await keys.revoke(request.params.id, actorOf(request))),
  );

  app.get(
    '/keys/:id/usage',
    {
      schema: {
        tags,
        summary: 'Calls admitted and refused per tool or upstream over the last hour or day',
        params: keyIdParamsSchema,
        querystring: usageQuerySchema,
        response: { 200: usageViewSchema, ...problemResponses },
      },
    },
    async (request) => {
      const key = await keys.get(request.params.id);
      const window = request.query.window ?? 'hour';
      let counts: Record<string, { calls: number; refused: number }>;
      try {
        counts = await usage(key.id, window === 'day' ? 24 : 1);
      } catch (error) {
        throw new SwitchboardError('STORE_UNAVAILABLE', 'Usage figures are unavailable right now; retry shortly.', {
          retryAfterS: 1,
          cause: error,
        });
      }
      return { key_id: key.id, window, usage: counts };
    },
  );
};

function unknownScopesError(unknown: string[], catalog: ScopeCatalog): SwitchboardError {
  const namespaces = catalog.upstreams.map((u) => u.name);
  const quoted = unknown.map((s) => `"${s}"`).join(', ');
  const known = namespaces.length === 0 ? 'none is configured' : namespaces.map((n) => `${n}_`).join(', ');
  return new SwitchboardError(
    'VALIDATION_FAILED',
    `${unknown.length === 1 ? 'Scope' : 'Scopes'} ${quoted} ${unknown.length === 1 ? 'grants' : 'grant'} nothing: no tool of a configured upstream matches (upstream namespaces: ${known}; e.g. "${namespaces[0] ?? 'gmail'}_*" or "*"). For an upstream not configured yet, send "allow_unknown_scopes": true (CLI: --allow-unknown-scopes).`,
    { details: { unknown_scopes: unknown, namespaces } },
  );
}
