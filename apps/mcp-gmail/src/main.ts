import { runToolServer } from '@switchboard/tool-server';
import { buildGmailServer } from './build-gmail-server.ts';
import { loadGmailConfig } from './config.ts';

const config = loadGmailConfig();
const app = buildGmailServer(config);
await runToolServer(app, config.GMAIL_PORT, config.GMAIL_HOST);
