import { SwitchboardError } from '@switchboard/errors';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';
import { orNotFound } from '../not-found.ts';

/**
 * Sends a draft. Registered only when the operator set GMAIL_SEND_ENABLED: the gmail.compose scope cannot
 * tell drafts from sending (https://developers.google.com/gmail/api/auth/scopes), so this server is where
 * "drafts only" is enforced. Even then each send needs `confirm: true`, given after the user said yes.
 */
export function sendDraftTool(deps: GmailToolDeps) {
  return defineTool({
    name: 'send_draft',
    title: 'Send a Gmail draft',
    description:
      'Sends an existing draft (from create_draft) as the user. Irreversible: first show the user the recipients, subject and text, and call with confirm: true only after they explicitly agree. Without confirm: true nothing is sent.',
    inputSchema: z.object({
      draft_id: z.string().min(1).max(100),
      confirm: z.boolean().default(false).describe('true only after the user approved sending this draft.'),
    }),
    outputSchema: z.object({ message_id: z.string(), thread_id: z.string(), sent: z.literal(true) }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    async handler(args, ctx) {
      if (!args.confirm) {
        throw new SwitchboardError(
          'CONFIRMATION_REQUIRED',
          `Nothing was sent. Show the user draft ${args.draft_id} (recipients, subject, text) and call send_draft again with confirm: true only once they agree.`,
          { details: { draft_id: args.draft_id } },
        );
      }
      const call = await gmailCall(deps, ctx);
      const sent = await orNotFound(deps.gmail.sendDraft(call, args.draft_id), `Draft ${args.draft_id}`);
      return {
        structured: { message_id: sent.id, thread_id: sent.threadId, sent: true as const },
        text: `Sent (message_id=${sent.id}, thread_id=${sent.threadId}).`,
      };
    },
  });
}
