import type { FastifyPluginAsync } from 'fastify';
import type { UsageSeries } from '../usage/call-counters.ts';
import type { ConsoleKit } from './console-plugin.ts';
import { html } from './html-template.ts';
import { outcomeTotals, sumSeries, usageChart } from './usage-chart.ts';

const CHARTED_KEYS = 6;

/** Usage: calls, errors and refusals per upstream and per key over the last hour or day, as charts. */
export function usagePages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    app.get('/console/usage', async (request, reply) => {
      const window = (request.query as Record<string, string | undefined>)['window'] === 'day' ? 'day' : 'hour';
      const usage = await kit.api<UsageSeries>(request, 'GET', `/admin/v1/usage?window=${window}`);
      const length = window === 'hour' ? 60 : 24;
      const upstreams = Object.entries(usage.upstreams).sort(([a], [b]) => a.localeCompare(b));
      const keys = Object.entries(usage.keys)
        .map(([id, series]) => ({ id, series, totals: outcomeTotals(series) }))
        .sort((a, b) => total(b.totals) - total(a.totals));
      return kit.page(reply, request, {
        title: 'Usage',
        section: 'usage',
        styles: ['uplot.css'],
        scripts: ['uplot.js'],
        body: html`
          <p class="actions">
            <a href="/console/usage?window=hour"${window === 'hour' ? html` aria-current="page"` : ''}>Last hour (per minute)</a>
            <a href="/console/usage?window=day"${window === 'day' ? html` aria-current="page"` : ''}>Last day (per hour)</a>
          </p>
          ${usageChart(
            `All upstreams, last ${window}`,
            usage,
            sumSeries(
              upstreams.map(([, s]) => s),
              length,
            ),
          )}
          <h2>Per upstream</h2>
          ${upstreams.length === 0 ? html`<p>No calls in the last ${window}.</p>` : ''}
          <div class="charts">${upstreams.map(([name, series]) => usageChart(name, usage, series))}</div>
          <h2>Per key</h2>
          <table>
            <thead><tr><th>Key</th><th class="num">OK</th><th class="num">Errors</th><th class="num">Rate-limited</th></tr></thead>
            <tbody>
              ${keys.length === 0 ? html`<tr><td colspan="4">No calls in the last ${window}.</td></tr>` : ''}
              ${keys.map(
                (k) => html`<tr><td><a href="/console/keys/${k.id}"><code>${k.id}</code></a></td>
                  <td class="num">${k.totals.ok}</td><td class="num">${k.totals.error}</td><td class="num">${k.totals.rate_limited}</td></tr>`,
              )}
            </tbody>
          </table>
          <div class="charts">${keys.slice(0, CHARTED_KEYS).map((k) => usageChart(k.id, usage, k.series))}</div>`,
      });
    });
  };
}

function total(t: { ok: number; error: number; rate_limited: number }): number {
  return t.ok + t.error + t.rate_limited;
}
