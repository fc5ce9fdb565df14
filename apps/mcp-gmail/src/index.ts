export { buildGmailServer, type GmailServerDeps } from './build-gmail-server.ts';
export { type GmailConfig, loadGmailConfig } from './config.ts';
export { GMAIL_SCOPES } from './gmail-scopes.ts';
