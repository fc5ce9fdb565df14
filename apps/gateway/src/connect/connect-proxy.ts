import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';

const PASSED_HEADERS = ['content-type', 'location', 'cache-control', 'set-cookie', 'content-security-policy'];

/**
 * `/connect/<upstream>/…` on the public URL, forwarded to that tool server's `/connect/…`: the browser side
 * of "connect your Google account". Tool servers listen on an internal network, so the user's browser reaches
 * their consent redirects and callbacks only through the gateway. Only upstreams configured with
 * `"connect": true` are reachable; nothing else of a tool server is exposed. The flow authenticates itself
 * (a signed, short-lived ticket issued to the caller's key), so no API key is asked for here.
 */
export function connectProxy(registry: UpstreamRegistry) {
  return async (app: FastifyInstance) => {
    // Consent forms post url-encoded bodies; they are forwarded as they came.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    app.route({
      method: ['GET', 'POST'],
      url: '/connect/:upstream/*',
      handler: async (req, reply) => {
        const { upstream: name } = req.params as { upstream: string };
        const upstream = registry.byName(name);
        if (upstream === undefined || !upstream.config.connect || upstream.config.transport === 'stdio') {
          return reply.code(404).type('text/plain').send('No such account connection.');
        }
        const target = new URL(upstream.config.url);
        const rest = req.url.slice(`/connect/${name}`.length);
        const res = await request(new URL(`/connect${rest}`, target.origin), {
          method: req.method as 'GET' | 'POST',
          headers: {
            ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
            ...(req.headers.cookie ? { cookie: req.headers.cookie } : {}),
            'x-forwarded-for': req.ip,
          },
          ...(req.method === 'POST'
            ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? {}) }
            : {}),
          headersTimeout: 15_000,
          bodyTimeout: 15_000,
        }).catch(() => undefined);
        if (res === undefined) {
          return reply.code(502).type('text/plain').send(`The ${name} service is unavailable; try again in a minute.`);
        }
        for (const header of PASSED_HEADERS) {
          const value = res.headers[header];
          if (value !== undefined) reply.header(header, value);
        }
        return reply.code(res.statusCode).send(Buffer.from(await res.body.arrayBuffer()));
      },
    });
  };
}
