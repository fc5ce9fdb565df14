import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { PLATFORMS } from '../post-request.ts';
import { type BlotatoToolDeps, callContext, readOnly } from './tool-deps.ts';

/** Platforms whose posts can target a sub-account (Facebook Pages, LinkedIn company pages). */
const WITH_PAGES = new Set(['facebook', 'linkedin']);

export function accountTools({ client }: BlotatoToolDeps) {
  const listAccounts = defineTool({
    name: 'list_accounts',
    title: 'List connected social accounts',
    description:
      "Lists the social accounts connected to the team's Blotato account, with their Facebook Pages and LinkedIn company pages. Use account_id (and page_id for Facebook, optionally LinkedIn) when preparing or publishing a post.",
    inputSchema: z.object({ platform: z.enum(PLATFORMS).optional().describe('Only accounts of this platform') }),
    outputSchema: z.object({
      accounts: z.array(
        z.object({
          account_id: z.string(),
          platform: z.string(),
          display_name: z.string().nullable(),
          username: z.string().nullable(),
          pages: z.array(z.object({ page_id: z.string(), name: z.string().nullable() })),
        }),
      ),
      count: z.number(),
    }),
    annotations: readOnly,
    async handler({ platform }, ctx) {
      const call = callContext(ctx);
      const listed = await client.listAccounts(call, platform);
      const accounts = [];
      for (const a of listed) {
        const pages = WITH_PAGES.has(a.platform)
          ? (await client.listSubaccounts(call, a.id)).map((s) => ({ page_id: s.id, name: s.name ?? null }))
          : [];
        accounts.push({
          account_id: a.id,
          platform: a.platform,
          display_name: a.fullname ?? null,
          username: a.username ?? null,
          pages,
        });
      }
      const text =
        accounts.length === 0
          ? `No ${platform ?? 'social'} accounts are connected to this Blotato account; connect them at https://my.blotato.com and call again.`
          : accounts
              .map((a) => {
                const who = [a.username ? `@${a.username}` : null, a.display_name].filter(Boolean).join(' · ');
                const pages = a.pages.map((p) => `\n    page ${p.name ?? ''} (page_id ${p.page_id})`).join('');
                return `- ${a.platform} ${who} (account_id ${a.account_id})${pages}`;
              })
              .join('\n');
      return { structured: { accounts, count: accounts.length }, text };
    },
  });

  const listPinterestBoards = defineTool({
    name: 'list_pinterest_boards',
    title: 'List Pinterest boards',
    description: 'Lists the boards of a connected Pinterest account (board_id is required to publish a pin).',
    inputSchema: z.object({ account_id: z.string().min(1).describe('A Pinterest account_id from list_accounts') }),
    outputSchema: z.object({
      account_id: z.string(),
      boards: z.array(z.object({ board_id: z.string(), name: z.string().nullable() })),
    }),
    annotations: readOnly,
    async handler({ account_id }, ctx) {
      const boards = (await client.listPinterestBoards(callContext(ctx), account_id)).map((b) => ({
        board_id: b.id,
        name: b.name ?? null,
      }));
      const text =
        boards.length === 0
          ? `Pinterest account ${account_id} has no boards.`
          : boards.map((b) => `- ${b.name ?? '(unnamed)'} (board_id ${b.board_id})`).join('\n');
      return { structured: { account_id, boards }, text };
    },
  });

  return [listAccounts, listPinterestBoards];
}
