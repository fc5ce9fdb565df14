import { decodeCursor, encodeCursor } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';
import type { GmailThread } from '../gmail-types.ts';
import { participantsOf, shortDate } from '../message-view.ts';
import { decodeSnippet, formatPerson, headerOf, messageDate, parseAddresses } from '../mime/message-headers.ts';

const threadRow = z.object({
  thread_id: z.string(),
  subject: z.string(),
  from: z.string().describe('Sender of the first message.'),
  participants: z.array(z.string()),
  last_message_at: z.string().optional(),
  message_count: z.number(),
  unread: z.boolean(),
  labels: z.array(z.string()),
  snippet: z.string(),
});

/** Metadata fetches run this many at a time: fast, but gentle on Gmail's concurrent-request limit. */
const CONCURRENCY = 4;

export function searchThreadsTool(deps: GmailToolDeps) {
  return defineTool({
    name: 'search_threads',
    title: 'Search Gmail threads',
    description:
      'Searches the mailbox with Gmail search syntax (from:, to:, subject:, is:unread, in:inbox, label:, has:attachment, newer_than:7d, after:2024/01/31 …) and returns compact thread rows, newest first: id, subject, participants, last date, message count, unread, labels and snippet. Read a thread with get_thread, or several at once with get_thread_digests.',
    inputSchema: z.object({
      query: z.string().max(1000).default('').describe('Gmail search query; empty lists everything (newest first).'),
      label_ids: z
        .array(z.string().min(1).max(100))
        .max(10)
        .optional()
        .describe('Only threads carrying all these label ids (see list_labels), e.g. ["INBOX","UNREAD"].'),
      limit: z.number().int().min(1).max(50).default(10),
      cursor: z.string().max(2000).optional().describe('next_cursor of the previous page of the same search.'),
      include_spam_trash: z.boolean().default(false),
    }),
    outputSchema: z.object({
      threads: z.array(threadRow),
      next_cursor: z.string().optional(),
      result_size_estimate: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await gmailCall(deps, ctx);
      const fingerprint = { q: args.query, l: args.label_ids ?? [], s: args.include_spam_trash };
      const pageToken = decodeCursor(args.cursor, fingerprint);
      const list = await deps.gmail.listThreads(call, {
        q: args.query,
        ...(args.label_ids === undefined ? {} : { labelIds: args.label_ids }),
        maxResults: args.limit,
        ...(pageToken === undefined ? {} : { pageToken }),
        includeSpamTrash: args.include_spam_trash,
      });
      const ids = (list.threads ?? []).map((t) => t.id);
      const labelNames = ids.length === 0 ? new Map<string, string>() : await deps.labels.names(deps.gmail, call);
      const threads: GmailThread[] = new Array(ids.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, ids.length) }, async () => {
          while (next < ids.length) {
            const index = next++;
            threads[index] = await deps.gmail.getThread(call, ids[index] ?? '', 'metadata', [
              'From',
              'To',
              'Cc',
              'Subject',
              'Date',
            ]);
          }
        }),
      );
      const rows = threads.map((thread) => {
        const messages = thread.messages ?? [];
        const first = messages[0];
        const last = messages.at(-1);
        const participants = participantsOf(messages, 8);
        const lastAt = last === undefined ? undefined : messageDate(last);
        const labelIds = new Set(messages.flatMap((m) => m.labelIds ?? []));
        return {
          thread_id: thread.id,
          subject: headerOf(first?.payload, 'Subject') ?? '(no subject)',
          from: parseAddresses(headerOf(first?.payload, 'From')).map(formatPerson)[0] ?? '',
          participants:
            participants.more > 0 ? [...participants.list, `and ${participants.more} more`] : participants.list,
          ...(lastAt === undefined ? {} : { last_message_at: lastAt }),
          message_count: messages.length,
          unread: labelIds.has('UNREAD'),
          labels: [...labelIds].map((id) => labelNames.get(id) ?? id),
          snippet: decodeSnippet(last?.snippet ?? list.threads?.find((t) => t.id === thread.id)?.snippet),
        };
      });
      const nextCursor = list.nextPageToken === undefined ? undefined : encodeCursor(list.nextPageToken, fingerprint);
      const lines = rows.map(
        (row, i) =>
          `${i + 1}. ${row.unread ? '[unread] ' : ''}${row.subject} — ${row.from} (${row.message_count} message${row.message_count === 1 ? '' : 's'}, last ${shortDate(row.last_message_at)}) thread_id=${row.thread_id}\n   ${row.snippet}`,
      );
      const text =
        rows.length === 0
          ? `No threads match ${args.query === '' ? 'this search' : `"${args.query}"`}.`
          : `${rows.length} thread${rows.length === 1 ? '' : 's'} (about ${list.resultSizeEstimate ?? rows.length} match):\n${lines.join('\n')}${nextCursor === undefined ? '' : '\nMore results: pass next_cursor as cursor.'}`;
      return {
        structured: {
          threads: rows,
          ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }),
          result_size_estimate: list.resultSizeEstimate ?? rows.length,
        },
        text,
      };
    },
  });
}
