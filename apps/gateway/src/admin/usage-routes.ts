import { SwitchboardError } from '@switchboard/errors';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { CallCounters } from '../usage/call-counters.ts';
import { problemResponses, usageQuerySchema, usageSeriesSchema } from './admin-schemas.ts';

/** `/usage`: calls, errors and rate-limit refusals per key and per upstream, as time series. */
export const usageRoutes: FastifyPluginAsyncZod<{ calls: CallCounters }> = async (app, { calls }) => {
  app.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary:
          'tools/call outcomes per key and per upstream: 60 one-minute buckets (hour) or 24 one-hour buckets (day)',
        querystring: usageQuerySchema,
        response: { 200: usageSeriesSchema, ...problemResponses },
      },
    },
    async (request) => {
      try {
        return await calls.series(request.query.window ?? 'hour');
      } catch (error) {
        throw new SwitchboardError('STORE_UNAVAILABLE', 'Usage figures are unavailable right now; retry shortly.', {
          retryAfterS: 1,
          cause: error,
        });
      }
    },
  );
};
