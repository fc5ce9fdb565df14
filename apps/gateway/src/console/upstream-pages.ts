import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import type { upstreamListSchema } from '../admin/admin-schemas.ts';
import type { testCallResultSchema } from '../admin/upstream-routes.ts';
import { ApiProblem, type ConsoleKit } from './console-plugin.ts';
import { html, type SafeHtml } from './html-template.ts';

type Upstreams = z.infer<typeof upstreamListSchema>;
type Upstream = Upstreams['items'][number];
type TestCallResult = z.infer<typeof testCallResultSchema>;
type Fields = Record<string, string | string[] | undefined>;

/**
 * Upstreams: state, circuit, negotiated revision, configuration hints and governor budgets, tools; and a
 * test call of a read-only tool (the admin API refuses any other).
 */
export function upstreamPages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    app.get('/console/upstreams', async (request, reply) => {
      const { items } = await kit.api<Upstreams>(request, 'GET', '/admin/v1/upstreams');
      const csrf = kit.csrf(request);
      return kit.page(reply, request, {
        title: 'Upstreams',
        section: 'upstreams',
        body: html`${items.length === 0 ? html`<p>No upstreams are configured (GATEWAY_UPSTREAMS).</p>` : ''}
          ${items.map((u) => upstreamCard(u, csrf))}`,
      });
    });

    app.post('/console/upstreams/:name/test-call', async (request, reply) => {
      const name = (request.params as { name: string }).name;
      const fields = (request.body ?? {}) as Fields;
      const tool = one(fields, 'tool');
      const argumentsText = one(fields, 'arguments') || '{}';
      const { items } = await kit.api<Upstreams>(request, 'GET', '/admin/v1/upstreams');
      const upstream = items.find((u) => u.name === name);
      if (upstream === undefined) throw new ApiProblem(404, 'NOT_FOUND', `No upstream ${name} is configured.`);
      let outcome: { result?: TestCallResult; error?: string; code?: string } = {};
      let args: unknown;
      try {
        args = JSON.parse(argumentsText);
      } catch {
        outcome = { error: 'The arguments are not valid JSON; write an object such as {"query": "invoice"}.' };
      }
      if (outcome.error === undefined) {
        try {
          outcome = {
            result: await kit.api<TestCallResult>(
              request,
              'POST',
              `/admin/v1/upstreams/${encodeURIComponent(name)}/test-call`,
              { tool, arguments: args },
            ),
          };
        } catch (error) {
          if (!(error instanceof ApiProblem) || error.status === 401) throw error;
          outcome = { error: error.detail, code: error.code };
        }
      }
      const r = outcome.result;
      return kit.page(
        reply,
        request,
        {
          title: `Test call: ${tool}`,
          section: 'upstreams',
          body: html`<section aria-label="Result" class="test-result">
              ${
                r === undefined
                  ? html`<p class="error" role="alert">${outcome.code === undefined ? '' : html`<code>${outcome.code}</code> `}${outcome.error ?? ''}</p>`
                  : html`<dl class="facts">
                      <dt>Outcome</dt><dd role="status">${r.is_error ? html`<span class="status revoked">isError</span>` : html`<span class="status active">ok</span>`}</dd>
                      <dt>Error code</dt><dd>${r.error_code === null ? '–' : html`<code>${r.error_code}</code>`}</dd>
                      <dt>Took</dt><dd>${r.duration_ms} ms</dd>
                    </dl>
                    <h2>Text content</h2>
                    <pre class="result-text">${r.text === '' ? '(none)' : r.text}</pre>
                    <details><summary>Raw result</summary><pre>${JSON.stringify(r.result, null, 2)}</pre></details>`
              }
            </section>
            ${testCallForm(upstream, kit.csrf(request), tool, argumentsText)}
            <p><a href="/console/upstreams">Back to the upstreams</a></p>`,
        },
        r === undefined ? 400 : 200,
      );
    });
  };
}

/** Read-only tools only: the API refuses the others, and the form does not offer them. */
function testCallForm(u: Upstream, csrf: string, selected = '', args = '{}'): SafeHtml {
  const tools = u.tools.filter((t) => t.read_only);
  if (tools.length === 0) return html``;
  return html`<form method="post" action="/console/upstreams/${u.name}/test-call" class="card test-call">
    <input type="hidden" name="csrf" value="${csrf}">
    <h3>Test call</h3>
    <p class="hint">Calls one read-only tool as the caller <code>admin-console</code> (no key: a tool that needs a
    per-key account answers CONNECT_REQUIRED). Audited, without the arguments.</p>
    <div class="field"><label for="tool-${u.name}">Read-only tool</label>
      <select id="tool-${u.name}" name="tool">
        ${tools.map((t) => html`<option value="${t.name}"${t.name === selected ? html` selected` : ''}>${t.name}</option>`)}
      </select></div>
    <div class="field"><label for="args-${u.name}">Arguments <span class="hint">JSON object</span></label>
      <textarea id="args-${u.name}" name="arguments" spellcheck="false">${args}</textarea></div>
    <button type="submit">Call</button>
  </form>`;
}

function one(fields: Fields, name: string): string {
  const value = fields[name];
  return (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).trim();
}

function upstreamCard(u: Upstream, csrf: string): SafeHtml {
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
    ${testCallForm(u, csrf)}
  </section>`;
}

/** The variables our tool servers need, named as the README's configuration table names them. */
function hintFor(upstream: string): string {
  if (upstream === 'blotato') return 'set BLOTATO_API_KEY on the Blotato tool server.';
  if (upstream === 'gmail' || upstream === 'drive')
    return 'set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (and GOOGLE_REFRESH_TOKEN for one shared account).';
  return 'see that server’s documentation.';
}
