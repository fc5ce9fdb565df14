import { html, type SafeHtml } from './html-template.ts';

export type ConsoleSection = 'keys' | 'upstreams' | 'usage' | 'audit';

const SECTIONS: { id: ConsoleSection; label: string; href: string }[] = [
  { id: 'keys', label: 'Keys', href: '/console/keys' },
  { id: 'upstreams', label: 'Upstreams', href: '/console/upstreams' },
  { id: 'usage', label: 'Usage', href: '/console/usage' },
  { id: 'audit', label: 'Audit log', href: '/console/audit' },
];

export interface LayoutInput {
  title: string;
  body: SafeHtml;
  /** Signed-in pages show the navigation and a sign-out form carrying this CSRF token. */
  csrf?: string | undefined;
  section?: ConsoleSection | undefined;
  /** Extra scripts, served from /console/assets (the CSP allows nothing else). */
  scripts?: string[] | undefined;
  styles?: string[] | undefined;
}

export function renderLayout(input: LayoutInput): string {
  const nav =
    input.csrf === undefined
      ? html``
      : html`<nav aria-label="Sections">
          <ul>
            ${SECTIONS.map(
              (s) =>
                html`<li><a href="${s.href}"${s.id === input.section ? html` aria-current="page"` : ''}>${s.label}</a></li>`,
            )}
          </ul>
          <form method="post" action="/console/sign-out">
            <input type="hidden" name="csrf" value="${input.csrf}">
            <button type="submit" class="link">Sign out</button>
          </form>
        </nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${input.title} · Switchboard console</title>
${(input.styles ?? []).map((s) => html`<link rel="stylesheet" href="/console/assets/${s}">`)}
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body>
<header><a class="brand" href="/console/keys">Switchboard <span>console</span></a>${nav}</header>
<main>
<h1>${input.title}</h1>
${input.body}
</main>
${[...(input.scripts ?? []), 'console.js'].map((s) => html`<script src="/console/assets/${s}" defer></script>`)}
</body>
</html>
`.text;
}
