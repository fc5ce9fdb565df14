import type { FastifyInstance } from 'fastify';

export interface ReadinessReport {
  ready: boolean;
  [part: string]: unknown;
}

/**
 * `/healthz`: the process is alive (for restarts). `/readyz`: it can serve (for load balancers): the store
 * answers; per-upstream state is reported but an upstream being down does not make the gateway unready,
 * because its other upstreams still work.
 */
export async function healthRoutes(app: FastifyInstance, options: { readiness: () => Promise<ReadinessReport> }) {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const report = await options.readiness();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not ready', ...report });
  });
}
