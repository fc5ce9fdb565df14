import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { linkedAccountListSchema } from '../admin/account-routes.ts';
import type {
  issuedKeyViewSchema,
  keyPageSchema,
  keyViewSchema,
  usageSeriesSchema,
  usageViewSchema,
} from '../admin/admin-schemas.ts';
import type { oauthGrantListSchema } from '../oauth/key-grant-routes.ts';
import { ApiProblem, type ConsoleKit } from './console-plugin.ts';
import { html, type SafeHtml } from './html-template.ts';
import { usageChart } from './usage-chart.ts';

type KeyView = z.infer<typeof keyViewSchema>;
type IssuedKey = z.infer<typeof issuedKeyViewSchema>;
type KeyPage = z.infer<typeof keyPageSchema>;
type UsageView = z.infer<typeof usageViewSchema>;
type UsageSeries = z.infer<typeof usageSeriesSchema>;
type Fields = Record<string, string | string[] | undefined>;
type Grants = z.infer<typeof oauthGrantListSchema>;
type Accounts = z.infer<typeof linkedAccountListSchema>;

const GRACE_CHOICES: { s: number; label: string }[] = [
  { s: 0, label: 'none: the old secret stops now' },
  { s: 3600, label: '1 hour' },
  { s: 86_400, label: '24 hours (default)' },
  { s: 7 * 86_400, label: '7 days' },
];
const PAGE_SIZE = 20;

/** Keys: list with search and pages, create, edit scopes and limits, rotate with a grace period, revoke. */
export function keyPages(kit: ConsoleKit): FastifyPluginAsync {
  return async (app) => {
    const csrfField = (request: FastifyRequest) => html`<input type="hidden" name="csrf" value="${kit.csrf(request)}">`;

    app.get('/console/keys', async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const q = (query['q'] ?? '').trim();
      const status = ['active', 'revoked', 'expired'].includes(query['status'] ?? '') ? query['status'] : undefined;
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (q !== '') params.set('q', q);
      if (status !== undefined) params.set('status', status);
      if (query['cursor'] !== undefined && query['cursor'] !== '') params.set('cursor', query['cursor']);
      const page = await kit.api<KeyPage>(request, 'GET', `/admin/v1/keys?${params}`);
      const filters = new URLSearchParams();
      if (q !== '') filters.set('q', q);
      if (status !== undefined) filters.set('status', status);
      const nextHref =
        page.next_cursor === null
          ? undefined
          : `/console/keys?${new URLSearchParams([...filters, ['cursor', page.next_cursor]])}`;
      return kit.page(reply, request, {
        title: 'Keys',
        section: 'keys',
        body: html`
          <div class="actions"><a class="button" href="/console/keys/new">Create a key</a></div>
          <form class="filters" method="get" action="/console/keys" role="search">
            <div><label for="q">Search</label><input type="search" id="q" name="q" value="${q}" placeholder="name, owner, id or prefix"></div>
            <div><label for="status">Status</label>
              <select id="status" name="status">
                <option value="">any</option>
                ${['active', 'revoked', 'expired'].map((s) => html`<option${s === status ? html` selected` : ''}>${s}</option>`)}
              </select></div>
            <button type="submit" class="secondary">Filter</button>
          </form>
          <table>
            <thead><tr><th>Name</th><th>Owner</th><th>Id</th><th>Prefix</th><th>Scopes</th><th>Status</th><th>Last used</th></tr></thead>
            <tbody>
              ${page.items.length === 0 ? html`<tr><td colspan="7">No keys match.</td></tr>` : ''}
              ${page.items.map(
                (k) => html`<tr>
                  <td><a href="/console/keys/${k.id}">${k.name}</a></td>
                  <td>${k.owner}</td>
                  <td><code>${k.id}</code></td>
                  <td><code>${k.prefix}</code></td>
                  <td>${k.scopes.join(', ')}</td>
                  <td><span class="status ${k.status}">${k.status}</span></td>
                  <td>${k.last_used_at === null ? '–' : time(k.last_used_at)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <div class="pager">
            ${query['cursor'] === undefined ? '' : html`<a href="/console/keys?${filters.toString()}">First page</a>`}
            ${nextHref === undefined ? '' : html`<a href="${nextHref}" rel="next">Next page</a>`}
          </div>`,
      });
    });

    const createForm = (request: FastifyRequest, reply: FastifyReply, fields: Fields, error?: string, status = 200) =>
      kit.page(
        reply,
        request,
        {
          title: 'Create a key',
          section: 'keys',
          body: html`${error === undefined ? '' : html`<p class="error" role="alert">${error}</p>`}
            <form method="post" action="/console/keys" class="card">
              ${csrfField(request)}
              ${keyFields({
                name: one(fields, 'name'),
                owner: one(fields, 'owner'),
                scopes: one(fields, 'scopes') || '*',
                limits: one(fields, 'limits'),
                expires: one(fields, 'expires_at'),
              })}
              <button type="submit">Create key</button> <a href="/console/keys">Cancel</a>
            </form>`,
        },
        status,
      );

    app.get('/console/keys/new', async (request, reply) => createForm(request, reply, {}));

    app.post('/console/keys', async (request, reply) => {
      const fields = request.body as Fields;
      let issued: IssuedKey;
      try {
        issued = await kit.api<IssuedKey>(request, 'POST', '/admin/v1/keys', {
          name: one(fields, 'name'),
          ...optional('owner', one(fields, 'owner')),
          scopes: scopeList(one(fields, 'scopes')),
          ...limitsField(one(fields, 'limits')),
          ...expiryField(one(fields, 'expires_at')),
        });
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 400)
          return createForm(request, reply, fields, error.detail, 400);
        throw error;
      }
      return secretPage(request, reply, issued, 'Key created');
    });

    app.get('/console/keys/:id', async (request, reply) => {
      const id = keyId(request);
      const key = await kit.api<KeyView>(request, 'GET', `/admin/v1/keys/${id}`);
      const [hour, day] = await Promise.all(
        (['hour', 'day'] as const).map((w) =>
          kit.api<UsageView>(request, 'GET', `/admin/v1/keys/${id}/usage?window=${w}`).catch(() => undefined),
        ),
      );
      const done = (request.query as Record<string, string | undefined>)['done'];
      const series = await kit.api<UsageSeries>(request, 'GET', '/admin/v1/usage?window=hour').catch(() => undefined);
      // Absent when this admin app has no OAuth front door or no connect upstreams: the section is left out.
      const [grants, accounts] = await Promise.all([
        kit.api<Grants>(request, 'GET', `/admin/v1/keys/${id}/oauth-grants`).catch(() => undefined),
        kit.api<Accounts>(request, 'GET', `/admin/v1/keys/${id}/accounts`).catch(() => undefined),
      ]);
      return detailPage(request, reply, key, { hour, day, done, series, grants, accounts });
    });

    const detailPage = (
      request: FastifyRequest,
      reply: FastifyReply,
      key: KeyView,
      extra: {
        hour?: UsageView | undefined;
        day?: UsageView | undefined;
        series?: UsageSeries | undefined;
        grants?: Grants | undefined;
        accounts?: Accounts | undefined;
        done?: string | undefined;
        error?: string;
        fields?: Fields;
      },
      status = 200,
    ) => {
      const f = extra.fields;
      const usageRows = Object.keys({ ...extra.day?.usage, ...extra.hour?.usage }).sort();
      return kit.page(
        reply,
        request,
        {
          title: key.name,
          section: 'keys',
          styles: ['uplot.css'],
          scripts: ['uplot.js'],
          body: html`
            ${extra.done === undefined ? '' : html`<p class="notice" role="status">${NOTICES[extra.done] ?? 'Done.'}</p>`}
            ${extra.error === undefined ? '' : html`<p class="error" role="alert">${extra.error}</p>`}
            <section>
              <dl class="facts">
                <dt>Id</dt><dd><code>${key.id}</code></dd>
                <dt>Status</dt><dd><span class="status ${key.status}">${key.status}</span></dd>
                <dt>Owner</dt><dd>${key.owner || '–'}</dd>
                <dt>Scopes</dt><dd>${key.scopes.join(', ')}</dd>
                <dt>Created</dt><dd>${time(key.created_at)}</dd>
                <dt>Expires</dt><dd>${key.expires_at === null ? 'never' : time(key.expires_at)}</dd>
                <dt>Last used</dt><dd>${key.last_used_at === null ? '–' : html`${time(key.last_used_at)} from ${key.last_used_ip ?? '?'}`}</dd>
                ${key.revoked_at === null ? '' : html`<dt>Revoked</dt><dd>${time(key.revoked_at)}</dd>`}
              </dl>
              ${
                key.status === 'revoked'
                  ? ''
                  : html`<div class="actions">
                      <a class="button secondary" href="/console/keys/${key.id}/rotate">Rotate secret…</a>
                      <a class="button danger" href="/console/keys/${key.id}/revoke">Revoke…</a>
                    </div>`
              }
            </section>
            <h2>Secrets</h2>
            <table>
              <thead><tr><th>Prefix</th><th>Issued</th><th>Stops working</th></tr></thead>
              <tbody>${key.secrets.map(
                (s) =>
                  html`<tr><td><code>${s.prefix}…</code></td><td>${time(s.created_at)}</td><td>${s.expires_at === null ? 'current' : time(s.expires_at)}</td></tr>`,
              )}</tbody>
            </table>
            ${grantsSection(key, extra.grants)}
            ${accountsSection(key, extra.accounts)}
            <h2>Usage</h2>
            ${(() => {
              const mine = extra.series?.keys[key.id];
              return extra.series === undefined || mine === undefined
                ? ''
                : usageChart('tools/call, last hour', extra.series, mine);
            })()}
            <table>
              <thead><tr><th>Tool or upstream</th><th class="num">Calls (hour)</th><th class="num">Refused (hour)</th><th class="num">Calls (day)</th><th class="num">Refused (day)</th></tr></thead>
              <tbody>
                ${usageRows.length === 0 ? html`<tr><td colspan="5">No calls in the last day.</td></tr>` : ''}
                ${usageRows.map(
                  (tag) => html`<tr><td>${tag}</td>
                    <td class="num">${extra.hour?.usage[tag]?.calls ?? 0}</td><td class="num">${extra.hour?.usage[tag]?.refused ?? 0}</td>
                    <td class="num">${extra.day?.usage[tag]?.calls ?? 0}</td><td class="num">${extra.day?.usage[tag]?.refused ?? 0}</td></tr>`,
                )}
              </tbody>
            </table>
            ${
              key.status === 'revoked'
                ? ''
                : html`<h2>Edit</h2>
                  <form method="post" action="/console/keys/${key.id}" class="card">
                    ${csrfField(request)}
                    ${keyFields({
                      name: f === undefined ? key.name : one(f, 'name'),
                      owner: f === undefined ? key.owner : one(f, 'owner'),
                      scopes: f === undefined ? key.scopes.join(', ') : one(f, 'scopes'),
                      limits: f === undefined ? JSON.stringify(key.limits, null, 2) : one(f, 'limits'),
                      expires: f === undefined ? (key.expires_at ?? '') : one(f, 'expires_at'),
                    })}
                    <button type="submit">Save changes</button>
                  </form>`
            }`,
        },
        status,
      );
    };

    app.post('/console/keys/:id', async (request, reply) => {
      const id = keyId(request);
      const fields = request.body as Fields;
      try {
        await kit.api(request, 'PATCH', `/admin/v1/keys/${id}`, {
          name: one(fields, 'name'),
          owner: one(fields, 'owner'),
          scopes: scopeList(one(fields, 'scopes')),
          limits: limitsField(one(fields, 'limits')).limits ?? {},
          expires_at: expiryField(one(fields, 'expires_at')).expires_at ?? null,
        });
      } catch (error) {
        if (!(error instanceof ApiProblem) || error.status !== 400) throw error;
        const key = await kit.api<KeyView>(request, 'GET', `/admin/v1/keys/${id}`);
        return detailPage(request, reply, key, { error: error.detail, fields }, 400);
      }
      return reply.redirect(`/console/keys/${id}?done=updated`, 303);
    });

    app.get('/console/keys/:id/rotate', async (request, reply) => {
      const key = await kit.api<KeyView>(request, 'GET', `/admin/v1/keys/${keyId(request)}`);
      return kit.page(reply, request, {
        title: `Rotate the secret of ${key.name}?`,
        section: 'keys',
        body: html`<form method="post" action="/console/keys/${key.id}/rotate" class="card">
          ${csrfField(request)}
          <p>A new secret is issued for <code>${key.id}</code> and shown once. Clients using the current secret
          (<code>${key.prefix}…</code>) must switch to it before the grace period ends.</p>
          <div class="field"><label for="grace">Grace period for the current secret</label>
            <select id="grace" name="grace_period_s">
              ${GRACE_CHOICES.map((c) => html`<option value="${c.s}"${c.s === 86_400 ? html` selected` : ''}>${c.label}</option>`)}
            </select></div>
          <button type="submit">Rotate</button> <a href="/console/keys/${key.id}">Cancel</a>
        </form>`,
      });
    });

    app.post('/console/keys/:id/rotate', async (request, reply) => {
      const grace = Number(one(request.body as Fields, 'grace_period_s'));
      const issued = await kit.api<IssuedKey>(request, 'POST', `/admin/v1/keys/${keyId(request)}/rotate`, {
        grace_period_s: Number.isInteger(grace) ? grace : 86_400,
      });
      return secretPage(request, reply, issued, 'Secret rotated');
    });

    app.get('/console/keys/:id/revoke', async (request, reply) => {
      const key = await kit.api<KeyView>(request, 'GET', `/admin/v1/keys/${keyId(request)}`);
      return kit.page(reply, request, {
        title: `Revoke ${key.name}?`,
        section: 'keys',
        body: html`<form method="post" action="/console/keys/${key.id}/revoke" class="card">
          ${csrfField(request)}
          <p>Every secret of <code>${key.id}</code> stops working on every replica within a second, and the OAuth
          tokens and Google account linked to it go with it. This cannot be undone.</p>
          <button type="submit" class="danger">Revoke key</button> <a href="/console/keys/${key.id}">Cancel</a>
        </form>`,
      });
    });

    app.post('/console/keys/:id/revoke', async (request, reply) => {
      const id = keyId(request);
      await kit.api(request, 'POST', `/admin/v1/keys/${id}/revoke`);
      return reply.redirect(`/console/keys/${id}?done=revoked`, 303);
    });

    app.get('/console/keys/:id/oauth-grants/:grant/remove', async (request, reply) => {
      const id = keyId(request);
      const grant = encodeURIComponent((request.params as { grant: string }).grant);
      const key = await kit.api<KeyView>(request, 'GET', `/admin/v1/keys/${id}`);
      const { items } = await kit.api<Grants>(request, 'GET', `/admin/v1/keys/${id}/oauth-grants`);
      const found = items.find((g) => g.id === (request.params as { grant: string }).grant);
      if (found === undefined) throw new ApiProblem(404, 'NOT_FOUND', `Key ${key.id} has no such OAuth grant.`);
      return kit.page(reply, request, {
        title: `Revoke an OAuth grant of ${key.name}?`,
        section: 'keys',
        body: html`<form method="post" action="/console/keys/${key.id}/oauth-grants/${grant}/remove" class="card">
          ${csrfField(request)}
          <p><strong>${found.client_name ?? found.client_id}</strong> (consented ${time(found.created_at)}) loses its
          refresh tokens at once and must be authorized again; an access token it already holds works until it
          expires (minutes). The key itself keeps working.</p>
          <button type="submit" class="danger">Revoke grant</button> <a href="/console/keys/${key.id}">Cancel</a>
        </form>`,
      });
    });

    app.post('/console/keys/:id/oauth-grants/:grant/remove', async (request, reply) => {
      const id = keyId(request);
      const grant = encodeURIComponent((request.params as { grant: string }).grant);
      await kit.api(request, 'DELETE', `/admin/v1/keys/${id}/oauth-grants/${grant}`);
      return reply.redirect(`/console/keys/${id}?done=grant-revoked`, 303);
    });

    app.get('/console/keys/:id/accounts/:upstream/remove', async (request, reply) => {
      const id = keyId(request);
      const upstream = (request.params as { upstream: string }).upstream;
      const key = await kit.api<KeyView>(request, 'GET', `/admin/v1/keys/${id}`);
      const { items } = await kit.api<Accounts>(request, 'GET', `/admin/v1/keys/${id}/accounts`);
      const found = items.find((a) => a.upstream === upstream && a.linked === true);
      if (found === undefined)
        throw new ApiProblem(404, 'NOT_FOUND', `Key ${key.id} has no account linked on ${upstream}.`);
      return kit.page(reply, request, {
        title: `Unlink the ${upstream} account of ${key.name}?`,
        section: 'keys',
        body: html`<form method="post" action="/console/keys/${key.id}/accounts/${encodeURIComponent(upstream)}/remove" class="card">
          ${csrfField(request)}
          <p>The ${upstream} server forgets <strong>${found.email ?? 'the account'}</strong> for <code>${key.id}</code>.
          The key keeps working; its next ${upstream} call answers with a link to connect an account again.</p>
          <button type="submit" class="danger">Unlink account</button> <a href="/console/keys/${key.id}">Cancel</a>
        </form>`,
      });
    });

    app.post('/console/keys/:id/accounts/:upstream/remove', async (request, reply) => {
      const id = keyId(request);
      const upstream = encodeURIComponent((request.params as { upstream: string }).upstream);
      await kit.api(request, 'DELETE', `/admin/v1/keys/${id}/accounts/${upstream}`);
      return reply.redirect(`/console/keys/${id}?done=account-unlinked`, 303);
    });

    function secretPage(request: FastifyRequest, reply: FastifyReply, issued: IssuedKey, title: string) {
      return kit.page(reply, request, {
        title,
        section: 'keys',
        body: html`<section>
          <p class="notice" role="status">Copy the secret now: it is shown only once and cannot be read again.</p>
          <div class="secret">
            <input type="text" id="secret" readonly value="${issued.token}" aria-label="New secret" size="48">
            <button type="button" data-copy="secret" hidden>Copy</button>
          </div>
          <p><a href="/console/keys/${issued.id}">Continue to ${issued.name}</a></p>
        </section>`,
      });
    }
  };
}

const NOTICES: Record<string, string> = {
  updated: 'Changes saved.',
  revoked: 'The key is revoked.',
  'grant-revoked': 'The OAuth grant is revoked.',
  'account-unlinked': 'The account is unlinked.',
};

function grantsSection(key: KeyView, grants: Grants | undefined): SafeHtml {
  if (grants === undefined) return html``;
  return html`<h2>OAuth grants</h2>
    <table aria-label="OAuth grants">
      <thead><tr><th>Client</th><th>Scope</th><th>Consented</th><th>Refresh token expires</th><th></th></tr></thead>
      <tbody>
        ${grants.items.length === 0 ? html`<tr><td colspan="5">No OAuth client was authorized with this key.</td></tr>` : ''}
        ${grants.items.map(
          (g) => html`<tr><td>${g.client_name ?? html`<code>${g.client_id}</code>`}</td><td>${g.scope}</td>
            <td>${time(g.created_at)}</td><td>${time(g.expires_at)}</td>
            <td><a class="button danger" href="/console/keys/${key.id}/oauth-grants/${g.id}/remove">Revoke…</a></td></tr>`,
        )}
      </tbody>
    </table>`;
}

function accountsSection(key: KeyView, accounts: Accounts | undefined): SafeHtml {
  if (accounts === undefined || accounts.items.length === 0) return html``;
  const state = (a: Accounts['items'][number]) => {
    if (a.linked === null) return html`<span class="error">unknown: ${a.error ?? 'no answer'}</span>`;
    if (a.mode === 'single-account') return 'one shared account (nothing per key)';
    if (a.mode === 'unconfigured') return 'not configured on the server';
    if (!a.linked) return 'not linked';
    return a.status === 'broken' ? html`<span class="status revoked">broken</span> ${a.broken_reason ?? ''}` : 'linked';
  };
  return html`<h2>Linked accounts</h2>
    <table aria-label="Linked accounts">
      <thead><tr><th>Upstream</th><th>Account</th><th>State</th><th>Linked</th><th></th></tr></thead>
      <tbody>
        ${accounts.items.map(
          (a) => html`<tr><td>${a.upstream}</td><td>${a.email ?? '–'}</td><td>${state(a)}</td>
            <td>${a.linked_at === null ? '–' : time(a.linked_at)}</td>
            <td>${a.linked === true ? html`<a class="button danger" href="/console/keys/${key.id}/accounts/${a.upstream}/remove">Unlink…</a>` : ''}</td></tr>`,
        )}
      </tbody>
    </table>`;
}

function keyFields(v: { name: string; owner: string; scopes: string; limits: string; expires: string }): SafeHtml {
  return html`
    <div class="field"><label for="name">Name</label><input type="text" id="name" name="name" value="${v.name}" required maxlength="100"></div>
    <div class="field"><label for="owner">Owner <span class="hint">who the key is for, e.g. an email address</span></label>
      <input type="text" id="owner" name="owner" value="${v.owner}" maxlength="200"></div>
    <div class="field"><label for="scopes">Scopes <span class="hint">comma-separated globs over tool names (<code>*</code>, <code>gmail_*</code>, <code>drive_search_files</code>) or <code>admin</code></span></label>
      <input type="text" id="scopes" name="scopes" value="${v.scopes}"></div>
    <div class="field"><label for="limits">Limits <span class="hint">JSON, e.g. {"key":{"limit":600,"window_s":60}}; empty = the gateway defaults</span></label>
      <textarea id="limits" name="limits" spellcheck="false">${v.limits}</textarea></div>
    <div class="field"><label for="expires_at">Expires <span class="hint">ISO 8601 time with offset, empty = never</span></label>
      <input type="text" id="expires_at" name="expires_at" value="${v.expires}" placeholder="2027-01-31T00:00:00Z"></div>`;
}

function one(fields: Fields | undefined, name: string): string {
  const value = fields?.[name];
  return (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).trim();
}

function optional(name: string, value: string): Record<string, string> {
  return value === '' ? {} : { [name]: value };
}

function scopeList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

/** Unparseable JSON goes to the API as a string, so the API's own validation explains the problem. */
function limitsField(text: string): { limits?: unknown } {
  if (text === '') return {};
  try {
    return { limits: JSON.parse(text) };
  } catch {
    return { limits: text };
  }
}

function expiryField(text: string): { expires_at?: string } {
  return text === '' ? {} : { expires_at: text };
}

function keyId(request: FastifyRequest): string {
  return encodeURIComponent((request.params as { id: string }).id);
}

function time(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
}
