import { createHash } from 'node:crypto';

/**
 * The consent pages: plain server-rendered HTML, no script, one stylesheet inlined (and pinned by hash in
 * the CSP). Built for people: every control has a visible label, focus is visible and starts where the
 * person acts, errors are announced (role="alert") and tied to the field (aria-describedby), and text meets
 * WCAG AA contrast (4.5:1 or more; the palette's lowest pair is the hint grey at 7:1).
 */

export interface ClientView {
  name: string;
  /** `document`: the name comes from a metadata document its host serves; otherwise the client chose it. */
  kind: 'dynamic' | 'preregistered' | 'document';
  id: string;
  /** Where the browser goes afterwards, as a person recognises it (host, or scheme for app links). */
  returnsTo: string;
  resource: string;
}

export interface KeyView {
  name: string;
  owner: string;
  prefix: string;
  scopes: readonly string[];
}

const STYLE = `
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:100%;line-height:1.5;color:#1b1f24;background:#f3f4f6}
body{margin:0;padding:2rem 1rem}
main{max-width:36rem;margin:0 auto;background:#fff;border:1px solid #d0d5dd;border-radius:12px;padding:2rem}
.brand{margin:0 0 .5rem;font-weight:600;letter-spacing:.02em;color:#374151}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .25rem}
p{margin:0 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1.5rem;padding:1rem;background:#f9fafb;border-radius:8px}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
.note,.hint{color:#4b5563;font-size:.95rem}
label{display:block;font-weight:600;margin:0 0 .25rem}
input[type=password]{display:block;width:100%;font:inherit;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.6rem .75rem;border:2px solid #5c6670;border-radius:6px;margin:0 0 1.25rem;color:#1b1f24;background:#fff}
input[aria-invalid=true]{border-color:#b42318}
ul.scopes{margin:0 0 1.5rem;padding-left:1.25rem}
ul.scopes li{margin:.25rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f3f4f6;padding:.05rem .3rem;border-radius:4px}
.actions{display:flex;flex-wrap:wrap;gap:.75rem}
button{font:inherit;font-weight:600;padding:.6rem 1.25rem;border-radius:6px;cursor:pointer;min-height:44px}
button.primary{background:#0a58ca;color:#fff;border:2px solid #0a58ca}
button.primary:hover{background:#0847a3;border-color:#0847a3}
button.secondary{background:#fff;color:#1b1f24;border:2px solid #5c6670}
button.secondary:hover{background:#f3f4f6}
:focus-visible{outline:3px solid #0a58ca;outline-offset:2px}
.error{border-left:4px solid #b42318;background:#fef3f2;padding:.75rem 1rem;margin:0 0 1.5rem;border-radius:4px}
.error p{margin:0}
`;

export const CONSENT_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} – Switchboard</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="brand">Switchboard</p>
${body}
</main>
</body>
</html>
`;
}

function clientFacts(client: ClientView, key?: KeyView): string {
  const provenance =
    client.kind === 'document'
      ? `<span class="note">(published by ${escapeHtml(new URL(client.id).host)})</span>`
      : client.kind === 'preregistered'
        ? '<span class="note">(registered by your Switchboard admin)</span>'
        : '<span class="note">(name given by the application itself)</span>';
  const keyRows =
    key === undefined
      ? ''
      : `<dt>API key</dt><dd>${escapeHtml(key.name)} <span class="note">(<code>${escapeHtml(key.prefix)}…</code>${
          key.owner === '' ? '' : `, owned by ${escapeHtml(key.owner)}`
        })</span></dd>`;
  return `<dl>
<dt>Application</dt><dd>${escapeHtml(client.name)} ${provenance}</dd>
<dt>Returns you to</dt><dd>${escapeHtml(client.returnsTo)}</dd>
<dt>Access to</dt><dd>${escapeHtml(client.resource)}</dd>
${keyRows}</dl>`;
}

function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
}

/** Step 1: the person pastes the team API key that the application will act with. */
export function renderKeyStep(view: {
  client: ClientView;
  action: string;
  fields: Record<string, string>;
  error?: string | undefined;
}): string {
  const { client } = view;
  const error =
    view.error === undefined
      ? ''
      : `<div class="error" id="key-error" role="alert"><h2>That key did not work</h2><p>${escapeHtml(view.error)}</p></div>`;
  const describedBy = view.error === undefined ? 'key-hint' : 'key-error key-hint';
  return page(
    `Connect ${client.name}`,
    `<h1>Connect ${escapeHtml(client.name)} to your team’s tools</h1>
${error}
<p><strong>${escapeHtml(client.name)}</strong> asks to use your team’s Switchboard tools for you. Paste your Switchboard API key to see what it would be allowed to do; nothing is granted until you approve on the next page.</p>
${clientFacts(client)}
<form method="post" action="${escapeHtml(view.action)}">
${hidden(view.fields)}
<label for="api_key">Your Switchboard API key</label>
<p class="hint" id="key-hint">It starts with <code>sb_</code>. Your admin gave it to you. The application never sees the key; it gets a token tied to it.</p>
<input id="api_key" name="api_key" type="password" autocomplete="off" autocapitalize="off" spellcheck="false" required autofocus aria-describedby="${describedBy}"${
      view.error === undefined ? '' : ' aria-invalid="true"'
    }>
<div class="actions">
<button type="submit" name="action" value="continue" class="primary">Continue</button>
<button type="submit" name="action" value="deny" class="secondary" formnovalidate>Deny</button>
</div>
</form>`,
  );
}

/** Step 2: the person sees exactly what the key grants and approves or denies. */
export function renderGrantStep(view: {
  client: ClientView;
  key: KeyView;
  action: string;
  fields: Record<string, string>;
}): string {
  const { client, key } = view;
  const scopes = key.scopes.filter((s) => s !== 'admin');
  return page(
    `Allow ${client.name}?`,
    `<h1>Allow ${escapeHtml(client.name)} to use Switchboard with the key “${escapeHtml(key.name)}”?</h1>
<p>If you approve, <strong>${escapeHtml(client.name)}</strong> can call these tools for you, within this key’s rate limits, until you disconnect it or an admin revokes or rotates the key:</p>
<ul class="scopes" aria-label="Tools this key grants">
${scopes.map((s) => `<li>${describeScope(s)}</li>`).join('\n')}
</ul>
${clientFacts(client, key)}
<form method="post" action="${escapeHtml(view.action)}">
${hidden(view.fields)}
<div class="actions">
<button type="submit" name="action" value="approve" class="primary" autofocus>Approve</button>
<button type="submit" name="action" value="deny" class="secondary">Deny</button>
</div>
</form>`,
  );
}

/** A request that cannot be sent back to the application (unknown client, unregistered redirect URI, …). */
export function renderErrorPage(view: { title: string; message: string }): string {
  return page(
    view.title,
    `<h1>${escapeHtml(view.title)}</h1>
<div class="error" role="alert"><p>${escapeHtml(view.message)}</p></div>
<p>Go back to the application and connect again. If this keeps happening, show this page to your Switchboard admin.</p>`,
  );
}

function describeScope(scope: string): string {
  const code = `<code>${escapeHtml(scope)}</code>`;
  if (scope === '*') return `${code}: every tool of every service`;
  const star = scope.indexOf('*');
  if (star === scope.length - 1)
    return `${code}: every tool whose name starts with “${escapeHtml(scope.slice(0, -1))}”`;
  if (star !== -1) return `${code}: the tools whose names match this pattern`;
  return `${code}: this tool (or every tool of the service with this name)`;
}
