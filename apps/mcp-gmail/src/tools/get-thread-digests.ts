import { SwitchboardError } from '@switchboard/errors';
import { clipText, decodeCursor, encodeCursor } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import type { GmailCall } from '../gmail-api.ts';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';
import type { GmailThread } from '../gmail-types.ts';
import { messageMeta, newestFirst, participantsOf, shortDate } from '../message-view.ts';
import { extractBody } from '../mime/extract-body.ts';
import { headerOf, messageDate } from '../mime/message-headers.ts';
import { orNotFound } from '../not-found.ts';

/** Messages per thread a digest shows (the newest). */
const LATEST = 3;

const digestSchema = z.object({
  thread_id: z.string(),
  subject: z.string(),
  participants: z.array(z.string()),
  message_count: z.number(),
  unread: z.boolean(),
  labels: z.array(z.string()),
  first_message_at: z.string().optional(),
  last_message_at: z.string().optional(),
  latest_messages: z.array(
    z.object({
      message_id: z.string(),
      from: z.string(),
      date: z.string().optional(),
      excerpt: z.string(),
      truncated: z.boolean(),
    }),
  ),
  older_messages_not_shown: z.number(),
  questions: z.array(z.string()).describe('Sentences ending in "?" in the newest messages (a heuristic).'),
  attachment_count: z.number(),
});

export function getThreadDigestsTool(deps: GmailToolDeps) {
  return defineTool({
    name: 'get_thread_digests',
    title: 'Digest several Gmail threads',
    description:
      'One call to summarise several threads ("summarise my inbox"): for each thread its subject, participants, dates, unread state, the newest 3 messages condensed, open questions and attachment count, all within max_chars_total. Give thread_ids, or a Gmail query (default in:inbox) with a limit. Read a single thread in full with get_thread.',
    inputSchema: z.object({
      thread_ids: z.array(z.string().min(1).max(100)).min(1).max(10).optional(),
      query: z.string().max(1000).optional().describe('Used when thread_ids is absent; default "in:inbox".'),
      limit: z.number().int().min(1).max(10).default(5),
      cursor: z.string().max(2000).optional(),
      max_chars_total: z.number().int().min(1_000).max(16_000).default(8_000),
    }),
    outputSchema: z.object({
      digests: z.array(digestSchema),
      next_cursor: z.string().optional(),
      excerpt_chars_returned: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      if (args.thread_ids !== undefined && (args.query !== undefined || args.cursor !== undefined)) {
        throw new SwitchboardError('VALIDATION_FAILED', 'Give either thread_ids or a query (with cursor), not both.');
      }
      const call = await gmailCall(deps, ctx);
      let ids = args.thread_ids;
      let nextCursor: string | undefined;
      if (ids === undefined) {
        const query = args.query ?? 'in:inbox';
        const fingerprint = { digest: query };
        const pageToken = decodeCursor(args.cursor, fingerprint);
        const list = await deps.gmail.listThreads(call, {
          q: query,
          maxResults: args.limit,
          ...(pageToken === undefined ? {} : { pageToken }),
          includeSpamTrash: false,
        });
        ids = (list.threads ?? []).map((t) => t.id);
        if (list.nextPageToken !== undefined) nextCursor = encodeCursor(list.nextPageToken, fingerprint);
      }
      const labelNames = await deps.labels.names(deps.gmail, call);
      const perThread = Math.floor(args.max_chars_total / Math.max(1, ids.length));
      const perMessage = Math.max(150, Math.floor(perThread / LATEST));
      const digests: z.infer<typeof digestSchema>[] = [];
      // Sequential on purpose: a digest is one person's request, and threads.get costs 10 units each.
      for (const id of ids) {
        const thread = await orNotFound(deps.gmail.getThread(call, id, 'full'), `Thread ${id}`);
        digests.push(await digestOf(deps, call, thread, labelNames, perMessage));
      }
      const chars = digests.reduce((sum, d) => sum + d.latest_messages.reduce((s, m) => s + m.excerpt.length, 0), 0);
      return {
        structured: {
          digests,
          ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }),
          excerpt_chars_returned: chars,
        },
        text:
          digests.length === 0
            ? 'No threads to digest.'
            : digests.map(renderDigest).join('\n\n') +
              (nextCursor === undefined ? '' : '\n\nMore threads: pass next_cursor as cursor.'),
      };
    },
  });
}

async function digestOf(
  deps: GmailToolDeps,
  call: GmailCall,
  thread: GmailThread,
  labelNames: Map<string, string>,
  perMessage: number,
): Promise<z.infer<typeof digestSchema>> {
  const all = thread.messages ?? [];
  const latest = newestFirst(all).slice(0, LATEST);
  const participants = participantsOf(all, 8);
  const labelIds = new Set(all.flatMap((m) => m.labelIds ?? []));
  const questions: string[] = [];
  let attachments = 0;
  const latestMessages = [];
  for (const message of latest) {
    const body = await extractBody(message, {
      includeQuoted: false,
      prefer: 'text',
      loadPartData: (id) => deps.gmail.getAttachmentData(call, message.id, id),
    });
    attachments += body.attachments.filter((a) => !a.inline).length;
    const condensed = body.text.replace(/\s*\n\s*/g, ' / ').replace(/\s{2,}/g, ' ');
    const window = clipText(condensed, 0, perMessage);
    for (const sentence of body.text.match(/[^.!?\n]{8,}\?/g) ?? []) {
      if (questions.length < 3) questions.push(sentence.trim().slice(0, 200));
    }
    const meta = messageMeta(message, labelNames);
    latestMessages.push({
      message_id: meta.message_id,
      from: meta.from,
      ...(meta.date === undefined ? {} : { date: meta.date }),
      excerpt: window.text,
      truncated: window.truncated,
    });
  }
  const first = all[0];
  const last = all.at(-1);
  const firstAt = first === undefined ? undefined : messageDate(first);
  const lastAt = last === undefined ? undefined : messageDate(last);
  return {
    thread_id: thread.id,
    subject: headerOf(first?.payload, 'Subject') ?? '(no subject)',
    participants: participants.more > 0 ? [...participants.list, `and ${participants.more} more`] : participants.list,
    message_count: all.length,
    unread: labelIds.has('UNREAD'),
    labels: [...labelIds].map((id) => labelNames.get(id) ?? id),
    ...(firstAt === undefined ? {} : { first_message_at: firstAt }),
    ...(lastAt === undefined ? {} : { last_message_at: lastAt }),
    latest_messages: latestMessages,
    older_messages_not_shown: Math.max(0, all.length - latestMessages.length),
    questions,
    attachment_count: attachments,
  };
}

function renderDigest(d: z.infer<typeof digestSchema>): string {
  const lines = [
    `## ${d.subject}${d.unread ? ' [unread]' : ''} — thread_id=${d.thread_id}`,
    `${d.message_count} message${d.message_count === 1 ? '' : 's'}, ${shortDate(d.first_message_at)} → ${shortDate(d.last_message_at)}; with ${d.participants.join(', ')}`,
    ...d.latest_messages.map((m) => `- ${shortDate(m.date)} ${m.from}: ${m.excerpt}${m.truncated ? ' […]' : ''}`),
  ];
  if (d.older_messages_not_shown > 0)
    lines.push(`(${d.older_messages_not_shown} older messages not shown: get_thread)`);
  if (d.questions.length > 0) lines.push(`Open questions: ${d.questions.join(' | ')}`);
  if (d.attachment_count > 0) lines.push(`Attachments: ${d.attachment_count}`);
  return lines.join('\n');
}
