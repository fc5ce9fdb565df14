/** A minimal, self-contained HTML page for the connect flow (no scripts, no external resources). */
export function renderPage(title: string, bodyHtml: string): string {
  const safeTitle = title.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${safeTitle} · Switchboard</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.4rem; }
  code { background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
</style>
</head>
<body>
<h1>${safeTitle}</h1>
<p>${bodyHtml}</p>
</body>
</html>
`;
}
