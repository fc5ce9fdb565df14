import type { OutcomeSeries, UsageSeries } from '../usage/call-counters.ts';
import { html, SafeHtml } from './html-template.ts';

/**
 * A chart placeholder: the numbers travel in an inert JSON block (allowed by the CSP, unlike inline
 * script) and console.js draws them with uPlot. Without JavaScript the caption's totals remain.
 */
export function usageChart(title: string, usage: UsageSeries, series: OutcomeSeries): SafeHtml {
  const data = {
    title,
    start_s: usage.start_s,
    bucket_s: usage.bucket_s,
    ok: series.ok,
    error: series.error,
    rate_limited: series.rate_limited,
  };
  const totals = outcomeTotals(series);
  // `<` is escaped so no value can close the script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return html`<figure class="card chart-card">
    <figcaption><strong>${title}</strong> · ${totals.ok} ok, ${totals.error} errors, ${totals.rate_limited} rate-limited</figcaption>
    <div class="chart" data-chart><script type="application/json">${new SafeHtml(json)}</script></div>
  </figure>`;
}

export function outcomeTotals(series: OutcomeSeries): { ok: number; error: number; rate_limited: number } {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  return { ok: sum(series.ok), error: sum(series.error), rate_limited: sum(series.rate_limited) };
}

export function sumSeries(all: OutcomeSeries[], length: number): OutcomeSeries {
  const out: OutcomeSeries = {
    ok: new Array(length).fill(0),
    error: new Array(length).fill(0),
    rate_limited: new Array(length).fill(0),
  };
  for (const s of all) {
    for (const kind of ['ok', 'error', 'rate_limited'] as const) {
      s[kind].forEach((v, i) => {
        out[kind][i] = (out[kind][i] ?? 0) + v;
      });
    }
  }
  return out;
}
