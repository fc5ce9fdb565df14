import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { auditPageSchema } from '../admin/admin-schemas.ts';
import type { ConsoleKit } from './console-plugin.ts';
import { html } from './html-template.ts';

type AuditPage = z.infer<typeof auditPageSchema>;
const FILTERS = ['action', 'actor', 'target', 'outcome'] as const;

/** The audit log, newest first, with the admin API's filters. */
export function auditPages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    app.get('/console/audit', async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const filters = new URLSearchParams();
      for (const name of FILTERS) {
        const value = (query[name] ?? '').trim();
        if (value !== '') filters.set(name, value);
      }
      const params = new URLSearchParams([...filters, ['limit', '50']]);
      if (query['cursor'] !== undefined && query['cursor'] !== '') params.set('cursor', query['cursor']);
      const page = await kit.api<AuditPage>(request, 'GET', `/admin/v1/audit?${params}`);
      const value = (name: string) => filters.get(name) ?? '';
      return kit.page(reply, request, {
        title: 'Audit log',
        section: 'audit',
        body: html`
          <form class="filters" method="get" action="/console/audit">
            <div><label for="action">Action starts with</label><input type="search" id="action" name="action" value="${value('action')}" placeholder="key."></div>
            <div><label for="actor">Actor</label><input type="search" id="actor" name="actor" value="${value('actor')}" placeholder="admin-token"></div>
            <div><label for="target">Target</label><input type="search" id="target" name="target" value="${value('target')}" placeholder="key_…"></div>
            <div><label for="outcome">Outcome</label><select id="outcome" name="outcome"><option value="">any</option>
              ${['success', 'failure', 'denied'].map((o) => html`<option${o === value('outcome') ? html` selected` : ''}>${o}</option>`)}
            </select></div>
            <button type="submit" class="secondary">Filter</button>
          </form>
          <table>
            <thead><tr><th>When</th><th>Actor</th><th>Action</th><th>Target</th><th>Outcome</th><th>Reason</th><th>From</th></tr></thead>
            <tbody>
              ${page.items.length === 0 ? html`<tr><td colspan="7">No entries match.</td></tr>` : ''}
              ${page.items.map(
                (e) => html`<tr>
                  <td>${e.at.replace('T', ' ').replace(/\.\d+Z$/, '')}</td><td><code>${e.actor}</code></td><td>${e.action}</td>
                  <td>${e.target === undefined ? '–' : e.target.startsWith('key_') ? html`<a href="/console/keys/${e.target}"><code>${e.target}</code></a>` : e.target}</td>
                  <td><span class="status ${e.outcome}">${e.outcome}</span></td><td>${e.reason ?? ''}</td><td>${e.ip ?? ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <div class="pager">
            ${query['cursor'] === undefined ? '' : html`<a href="/console/audit?${filters.toString()}">Newest</a>`}
            ${page.next_cursor === null ? '' : html`<a rel="next" href="/console/audit?${new URLSearchParams([...filters, ['cursor', page.next_cursor]]).toString()}">Older</a>`}
          </div>`,
      });
    });
  };
}
