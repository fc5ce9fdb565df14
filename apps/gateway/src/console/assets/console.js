// Progressive enhancement only: every page works without this file.

// Copy buttons: <button data-copy="element-id">; the secret also sits in a read-only field to copy by hand.
for (const button of document.querySelectorAll('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select();
      document.execCommand('copy');
    }
    button.textContent = 'Copied';
  });
}

// Usage charts: each [data-chart] holds its numbers in a JSON block; uPlot (served from node_modules) draws them.
if (typeof uPlot === 'function') {
  const colours = { ok: '#1e7b34', error: '#b3261e', rate_limited: '#c77700' };
  for (const holder of document.querySelectorAll('[data-chart]')) {
    const data = JSON.parse(holder.querySelector('script[type="application/json"]').textContent);
    const xs = data.ok.map((_, i) => data.start_s + i * data.bucket_s);
    const series = [
      {},
      { label: 'ok', stroke: colours.ok, width: 2 },
      { label: 'errors', stroke: colours.error, width: 2 },
      { label: 'rate-limited', stroke: colours.rate_limited, width: 2 },
    ];
    const width = Math.max(280, holder.clientWidth || 560);
    const plot = new uPlot(
      { width, height: 200, series, scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } } },
      [xs, data.ok, data.error, data.rate_limited],
      holder,
    );
    holder.dataset.rendered = String(data.ok.concat(data.error, data.rate_limited).reduce((a, b) => a + b, 0));
    plot.root.setAttribute('aria-label', `${data.title}: chart`);
  }
}
