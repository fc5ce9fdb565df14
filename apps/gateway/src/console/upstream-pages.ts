import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleKit } from './console-plugin.ts';
import { html } from './html-template.ts';

export function upstreamPages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    app.get('/console/upstreams', async (request, reply) =>
      kit.page(reply, request, { title: 'Upstreams', section: 'upstreams', body: html`<p>Coming.</p>` }),
    );
  };
}
