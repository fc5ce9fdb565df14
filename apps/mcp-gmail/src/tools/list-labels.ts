import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';

export function listLabelsTool(deps: GmailToolDeps) {
  return defineTool({
    name: 'list_labels',
    title: 'List Gmail labels',
    description:
      "Lists the mailbox labels (system labels such as INBOX, UNREAD, STARRED and the user's own), with the ids search_threads accepts in label_ids. In a query, use label:name instead.",
    inputSchema: z.object({}),
    outputSchema: z.object({
      labels: z.array(z.object({ id: z.string(), name: z.string(), type: z.enum(['system', 'user']) })),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(_args, ctx) {
      const call = await gmailCall(deps, ctx);
      const labels = (await deps.labels.list(deps.gmail, call))
        .map((label) => ({
          id: label.id,
          name: label.name,
          type: label.type === 'user' ? ('user' as const) : ('system' as const),
        }))
        .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'user' ? -1 : 1));
      const user = labels.filter((l) => l.type === 'user');
      const system = labels.filter((l) => l.type === 'system');
      return {
        structured: { labels },
        text: `Your labels: ${user.map((l) => `${l.name} (${l.id})`).join(', ') || 'none'}\nSystem labels: ${system.map((l) => l.id).join(', ')}`,
      };
    },
  });
}
