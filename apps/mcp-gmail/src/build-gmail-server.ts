import { buildGoogleToolServer, type GoogleToolServerDeps } from '@switchboard/google-auth';
import type { FastifyInstance } from 'fastify';
import type { GmailConfig } from './config.ts';
import { GmailApi } from './gmail-api.ts';
import { type GmailToolDeps, LabelDirectory } from './gmail-context.ts';
import { GMAIL_SCOPES } from './gmail-scopes.ts';
import { createDraftTool } from './tools/create-draft.ts';
import { getMessageTool } from './tools/get-message.ts';
import { getThreadTool } from './tools/get-thread.ts';
import { getThreadDigestsTool } from './tools/get-thread-digests.ts';
import { listLabelsTool } from './tools/list-labels.ts';
import { searchThreadsTool } from './tools/search-threads.ts';
import { sendDraftTool } from './tools/send-draft.ts';

export type GmailServerDeps = GoogleToolServerDeps;

const VERSION = '0.1.0';

/**
 * The Gmail tool server: tools (search, read, digest, labels, drafts, and sending only when enabled), the
 * connect flow and the key-deleted hook. Returns the app without listening (main.ts listens).
 */
export function buildGmailServer(config: GmailConfig, deps: GmailServerDeps = {}): FastifyInstance {
  return buildGoogleToolServer<GmailApi>(
    {
      server: 'gmail',
      product: 'Gmail',
      version: VERSION,
      env: config,
      baseUrl: config.GMAIL_BASE_URL,
      quota: { perMinute: config.GMAIL_USER_QUOTA_PER_MIN, maxWaitMs: config.GMAIL_QUOTA_MAX_WAIT_MS },
      scopes: GMAIL_SCOPES,
      createApi: (client) => new GmailApi(client),
      tools: (gmail, credentials) => {
        const toolDeps: GmailToolDeps = {
          credentials,
          gmail,
          sendEnabled: config.GMAIL_SEND_ENABLED,
          labels: new LabelDirectory(),
        };
        return [
          searchThreadsTool(toolDeps),
          getThreadTool(toolDeps),
          getThreadDigestsTool(toolDeps),
          getMessageTool(toolDeps),
          listLabelsTool(toolDeps),
          createDraftTool(toolDeps),
          ...(config.GMAIL_SEND_ENABLED ? [sendDraftTool(toolDeps)] : []),
        ] as never[];
      },
      instructions: (mode) =>
        `Gmail of the person using this API key${mode.kind === 'single-account' ? ' (one mailbox shared by the team)' : ''}: search threads, read threads and messages as clean text within explicit budgets, digest several threads, list labels and create drafts. ${config.GMAIL_SEND_ENABLED ? "Sending a draft requires the user's explicit confirmation (confirm: true)." : 'Nothing can be sent from here; drafts are sent by the user in Gmail.'} If a tool answers CONNECT_REQUIRED, give the user the connect link from the error.`,
      identify: async (gmail, credential) =>
        (await gmail.getProfile({ credential, callerKey: 'connect-flow' })).emailAddress,
    },
    deps,
  );
}
