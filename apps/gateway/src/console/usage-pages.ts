import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleKit } from './console-plugin.ts';
import { html } from './html-template.ts';

export function usagePages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    app.get('/console/usage', async (request, reply) =>
      kit.page(reply, request, { title: 'Usage', section: 'usage', body: html`<p>Coming.</p>` }),
    );
  };
}
