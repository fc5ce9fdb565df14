import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { upstreamListSchema } from '../admin/admin-schemas.ts';
import type { ConsoleKit } from './console-plugin.ts';
import { html, type SafeHtml } from './html-template.ts';

type Upstreams = z.infer<typeof upstreamListSchema>;
type Upstream = Upstreams['items'][number];

/** Upstreams: state, circuit, negotiated revision, configuration hints and governor budgets, tools. */
export function upstreamPages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    app.get('/console/upstreams', async (request, reply) => {
      const { items } = await kit.api<Upstreams>(request, 'GET', '/admin/v1/upstreams');
      return kit.page(reply, request, {
        title: 'Upstreams',
        section: 'upstreams',
        body: html`${items.length === 0 ? html`<p>No upstreams are configured (GATEWAY_UPSTREAMS).</p>` : ''}
          ${items.map(upstreamCard)}`,
      });
    });
  };
}

function upstreamCard(u: Upstream): SafeHtml {
  const readiness = u.readiness ?? {};
  const notConfigured = Object.entries(readiness)
    .filter(([, v]) => typeof v === 'object' && v !== null && (v as Record<string, unknown>)['configured'] === false)
    .map(([name]) => name);
  const governor = readiness['governor'];
  const budgets =
    typeof governor === 'object' && governor !== null ? Object.entries(governor as Record<string, unknown>) : [];
  return html`<section aria-labelledby="up-${u.name}">
    <h2 id="up-${u.name}">${u.name} <span class="status ${u.state}">${u.state}</span>
      ${u.circuit === 'closed' ? '' : html`<span class="status ${u.circuit}">breaker ${u.circuit}</span>`}</h2>
    <dl class="facts">
      <dt>URL</dt><dd><code>${u.url}</code></dd>
      <dt>Transport</dt><dd>${u.transport}</dd>
      <dt>Protocol</dt><dd>${u.protocol ?? 'not negotiated yet'}</dd>
      ${u.last_error === null ? '' : html`<dt>Last error</dt><dd class="error">${u.last_error}</dd>`}
      ${
        notConfigured.length === 0
          ? ''
          : html`<dt>Configuration</dt><dd class="error">${notConfigured.join(', ')} is not configured: ${hintFor(u.name)}</dd>`
      }
      <dt>Server report</dt><dd>${u.readiness === null ? 'none (no /readyz beside its MCP endpoint)' : String(readiness['status'] ?? 'ok')}</dd>
    </dl>
    ${
      budgets.length === 0
        ? ''
        : html`<h3>Upstream budgets (governor)</h3>
          <table><thead><tr><th>Budget</th><th class="num">Running</th><th class="num">Queued</th><th>Paused until</th><th>Details</th></tr></thead>
          <tbody>${budgets.map(([name, raw]) => {
            const b = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
            const paused = typeof b['pausedUntil'] === 'number' && b['pausedUntil'] > Date.now();
            return html`<tr><td>${name}</td><td class="num">${String(b['running'] ?? '–')}</td><td class="num">${String(b['queued'] ?? '–')}</td>
              <td>${paused ? new Date(b['pausedUntil'] as number).toISOString() : '–'}</td>
              <td><code>${JSON.stringify(b)}</code></td></tr>`;
          })}</tbody></table>`
    }
    <h3>Tools (${u.tools.length})</h3>
    <table><thead><tr><th>Exposed name</th><th>Read-only</th><th>Description</th></tr></thead>
      <tbody>${u.tools.map(
        (t) =>
          html`<tr><td><code>${t.name}</code></td><td>${t.read_only ? 'yes' : ''}</td><td>${t.description.slice(0, 160)}</td></tr>`,
      )}</tbody></table>
  </section>`;
}

/** The variables our tool servers need, named as the README's configuration table names them. */
function hintFor(upstream: string): string {
  if (upstream === 'blotato') return 'set BLOTATO_API_KEY on the Blotato tool server.';
  if (upstream === 'gmail' || upstream === 'drive')
    return 'set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (and GOOGLE_REFRESH_TOKEN for one shared account).';
  return 'see that server’s documentation.';
}
