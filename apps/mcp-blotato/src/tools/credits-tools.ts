import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type BlotatoToolDeps, callContext, readOnly } from './tool-deps.ts';

export function creditsTools({ client }: BlotatoToolDeps) {
  return [
    defineTool({
      name: 'get_credits',
      title: 'Remaining Blotato credits',
      description: 'Shows how many AI credits the Blotato account has left (creating visuals spends them).',
      inputSchema: z.object({}),
      outputSchema: z.object({ credits_remaining: z.number(), account_email: z.string().nullable() }),
      annotations: readOnly,
      async handler(_args, ctx) {
        const credits = await client.getCredits(callContext(ctx));
        const structured = { credits_remaining: credits.creditsRemaining, account_email: credits.accountEmail ?? null };
        return { structured, text: `${structured.credits_remaining} credits left.` };
      },
    }),
  ];
}
