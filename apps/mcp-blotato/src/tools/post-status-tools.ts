import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { PLATFORMS } from '../post-request.ts';
import { type BlotatoToolDeps, callContext, preview, readOnly, sleep } from './tool-deps.ts';

const TERMINAL = new Set(['published', 'failed', 'scheduled']);
const IN_PROGRESS_NOTE =
  'Blotato answers "in-progress" both for posts still being processed and for ids it does not know, so a post that stays in-progress for minutes may have a wrong id: check list_posts.';

export function postStatusTools({ client, config }: BlotatoToolDeps) {
  const getPostStatus = defineTool({
    name: 'get_post_status',
    title: 'Post status',
    description: `Status of a post by its post_submission_id: in-progress, scheduled, published (with its public URL) or failed (with the reason). wait_s > 0 polls until the post is settled or the time is up, reporting progress. ${IN_PROGRESS_NOTE}`,
    inputSchema: z.object({
      post_submission_id: z.string().min(1),
      wait_s: z.number().int().min(0).max(20).default(0).describe('Wait up to this long for a final status'),
    }),
    outputSchema: z.object({
      post_submission_id: z.string(),
      status: z.string(),
      terminal: z.boolean(),
      public_url: z.string().nullable(),
      error_message: z.string().nullable(),
      scheduled_time: z.string().nullable(),
      checks: z.number(),
      note: z.string().nullable(),
    }),
    annotations: readOnly,
    async handler({ post_submission_id, wait_s }, ctx) {
      const call = callContext(ctx);
      const deadline = Date.now() + wait_s * 1000;
      let checks = 0;
      for (;;) {
        const s = await client.getPostStatus(call, post_submission_id);
        checks++;
        const terminal = TERMINAL.has(s.status);
        if (terminal || Date.now() + config.postPollMs > deadline) {
          const structured = {
            post_submission_id,
            status: s.status,
            terminal,
            public_url: s.publicUrl ?? null,
            error_message: s.errorMessage ?? null,
            scheduled_time: s.scheduledTime ?? null,
            checks,
            note: s.status === 'in-progress' ? IN_PROGRESS_NOTE : null,
          };
          const text =
            s.status === 'published'
              ? `Published: ${s.publicUrl ?? '(no public URL yet)'}`
              : s.status === 'failed'
                ? `Failed: ${s.errorMessage ?? 'no reason given'}. Blotato advises not to retry a failed post unchanged.`
                : s.status === 'scheduled'
                  ? `Scheduled for ${s.scheduledTime ?? 'a later time'}.`
                  : `Still ${s.status}. ${IN_PROGRESS_NOTE}`;
          return { structured, text };
        }
        await ctx.progress(checks, undefined, `Post ${post_submission_id} is ${s.status}`);
        await sleep(config.postPollMs, ctx.signal);
      }
    },
  });

  const listPosts = defineTool({
    name: 'list_posts',
    title: 'List posts',
    description:
      'Lists scheduled, published and failed posts in a time window (default: the last 7 days and the next 7), newest first. Posts still being processed are not listed by Blotato.',
    inputSchema: z.object({
      since: z.iso.datetime({ offset: true }).optional(),
      until: z.iso.datetime({ offset: true }).optional(),
      status: z.array(z.enum(['scheduled', 'published', 'failed'])).optional(),
      platform: z.array(z.enum(PLATFORMS)).optional(),
      limit: z.number().int().min(1).max(100).default(20),
      cursor: z.string().optional(),
    }),
    outputSchema: z.object({
      posts: z.array(
        z.object({
          post_id: z.string(),
          status: z.string().nullable(),
          post_time: z.string().nullable(),
          platform: z.string().nullable(),
          account_id: z.string().nullable(),
          text_preview: z.string(),
          media_count: z.number(),
          public_url: z.string().nullable(),
          error_message: z.string().nullable(),
        }),
      ),
      next_cursor: z.string().nullable(),
    }),
    annotations: readOnly,
    async handler({ since, until, status, platform, limit, cursor }, ctx) {
      const listed = await client.listPosts(callContext(ctx), {
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(status === undefined ? {} : { status }),
        ...(platform === undefined ? {} : { platform }),
        ...(cursor === undefined ? {} : { cursor }),
        limit,
      });
      const posts = listed.items.map((p) => ({
        post_id: p.id,
        status: p.status ?? null,
        post_time: p.postTime ?? null,
        platform: p.platform ?? null,
        account_id: p.accountId ?? null,
        text_preview: preview(p.text),
        media_count: p.mediaUrls?.length ?? 0,
        public_url: p.publicUrl ?? null,
        error_message: p.errorMessage ?? null,
      }));
      const text =
        posts.length === 0
          ? 'No posts in that window.'
          : posts
              .map(
                (p) =>
                  `- ${p.post_time ?? '?'} ${p.platform ?? ''} ${p.status ?? ''} (post_id ${p.post_id}): ${p.text_preview}`,
              )
              .join('\n');
      return { structured: { posts, next_cursor: listed.cursor ?? null }, text };
    },
  });

  return [getPostStatus, listPosts];
}
