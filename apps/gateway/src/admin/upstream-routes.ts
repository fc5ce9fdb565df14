import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { problemResponses, upstreamListSchema } from './admin-schemas.ts';
import { readUpstreamReadiness, readUpstreams } from './upstream-view.ts';

/** `/upstreams`: each upstream's state, circuit, negotiated revision, tools, and its own readiness report. */
export const upstreamRoutes: FastifyPluginAsyncZod<{ registry: UpstreamRegistry }> = async (app, { registry }) => {
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
};
