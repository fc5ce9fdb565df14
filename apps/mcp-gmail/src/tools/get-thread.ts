import { clipText } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';
import {
  attachmentSchema,
  messageMeta,
  messageMetaSchema,
  newestFirst,
  participantsOf,
  shortDate,
} from '../message-view.ts';
import { extractBody } from '../mime/extract-body.ts';
import { headerOf } from '../mime/message-headers.ts';
import { orNotFound } from '../not-found.ts';

/** Below this many characters of room, a message is listed as omitted rather than shown as a stub. */
const MIN_USEFUL_CHARS = 200;
/** Omitted messages listed by id; beyond this only their number is given (a 500-message thread stays small). */
const MAX_LISTED_OMITTED = 40;

const returnedMessage = messageMetaSchema.extend({
  body_text: z.string(),
  body_source: z.enum(['text/plain', 'text/html', 'none']),
  total_chars: z.number().describe('Characters of the clean body (after dropping quotes, when asked).'),
  truncated: z.boolean(),
  omitted_chars: z.number(),
  next_offset: z.number().optional().describe('Continue with get_message(message_id, offset=next_offset).'),
  quoted_removed: z.boolean(),
  attachments: z.array(attachmentSchema),
  notes: z.array(z.string()),
});

export const omittedMessagesSchema = z.object({
  count: z.number(),
  reason: z.string(),
  messages: z.array(z.object({ message_id: z.string(), from: z.string(), date: z.string().optional() })),
});

export function getThreadTool(deps: GmailToolDeps) {
  return defineTool({
    name: 'get_thread',
    title: 'Read a Gmail thread',
    description:
      'Reads one thread as clean text, newest message first, within explicit budgets: at most max_messages messages, each cut at max_chars_per_message, all of them within max_chars_total. Quoted history and signatures are dropped unless include_quoted is true. Nothing is dropped silently: cut messages carry truncated/next_offset (continue with get_message) and older messages that did not fit are listed under omitted_messages with their ids.',
    inputSchema: z.object({
      thread_id: z.string().min(1).max(100),
      max_messages: z.number().int().min(1).max(50).default(10),
      max_chars_per_message: z.number().int().min(200).max(20_000).default(3_000),
      max_chars_total: z.number().int().min(1_000).max(20_000).default(12_000),
      include_quoted: z.boolean().default(false),
      body: z
        .enum(['text', 'html_as_text'])
        .default('text')
        .describe(
          'text: the plain-text part unless it is a "view in browser" stub; html_as_text: the HTML part, converted.',
        ),
    }),
    outputSchema: z.object({
      thread_id: z.string(),
      subject: z.string(),
      participants: z.array(z.string()),
      message_count: z.number(),
      order: z.literal('newest_first'),
      messages: z.array(returnedMessage),
      omitted_messages: omittedMessagesSchema,
      body_chars_returned: z.number(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await gmailCall(deps, ctx);
      const thread = await orNotFound(deps.gmail.getThread(call, args.thread_id, 'full'), `Thread ${args.thread_id}`);
      const labelNames = await deps.labels.names(deps.gmail, call);
      const all = thread.messages ?? [];
      const ordered = newestFirst(all);
      let room = args.max_chars_total;
      const messages: z.infer<typeof returnedMessage>[] = [];
      const omitted: z.infer<typeof omittedMessagesSchema>['messages'] = [];
      const reasons = new Set<string>();
      let omittedCount = 0;
      for (const message of ordered) {
        const meta = messageMeta(message, labelNames);
        if (messages.length >= args.max_messages || room < MIN_USEFUL_CHARS) {
          reasons.add(messages.length >= args.max_messages ? 'max_messages' : 'max_chars_total');
          omittedCount++;
          if (omitted.length < MAX_LISTED_OMITTED) {
            omitted.push({ message_id: meta.message_id, from: meta.from, ...(meta.date ? { date: meta.date } : {}) });
          }
          continue;
        }
        const body = await extractBody(message, {
          includeQuoted: args.include_quoted,
          prefer: args.body === 'html_as_text' ? 'html' : 'text',
          loadPartData: (id) => deps.gmail.getAttachmentData(call, message.id, id),
        });
        const window = clipText(body.text, 0, Math.min(args.max_chars_per_message, room));
        room -= window.text.length;
        messages.push({
          ...meta,
          body_text: window.text,
          body_source: body.source,
          total_chars: window.total_chars,
          truncated: window.truncated,
          omitted_chars: window.omitted_chars,
          ...(window.next_offset === undefined ? {} : { next_offset: window.next_offset }),
          quoted_removed: body.quoted_removed,
          attachments: body.attachments,
          notes: body.notes,
        });
      }
      const participants = participantsOf(all);
      const subject = headerOf(all[0]?.payload, 'Subject') ?? '(no subject)';
      const bodyChars = messages.reduce((sum, m) => sum + m.body_text.length, 0);
      const unlisted = omittedCount - omitted.length;
      const omittedMessages = {
        count: omittedCount,
        reason:
          omittedCount === 0
            ? 'none'
            : `${[...reasons].join(' and ')}: older messages left out; read one with get_message(message_id) or raise the limits${unlisted > 0 ? ` (${unlisted} oldest not listed)` : ''}`,
        messages: omitted,
      };
      return {
        structured: {
          thread_id: thread.id,
          subject,
          participants:
            participants.more > 0 ? [...participants.list, `and ${participants.more} more`] : participants.list,
          message_count: all.length,
          order: 'newest_first' as const,
          messages,
          omitted_messages: omittedMessages,
          body_chars_returned: bodyChars,
        },
        text: renderThread(subject, all.length, messages, omittedMessages),
      };
    },
  });
}

function renderThread(
  subject: string,
  total: number,
  messages: z.infer<typeof returnedMessage>[],
  omitted: z.infer<typeof omittedMessagesSchema>,
): string {
  const head = `Thread "${subject}": ${total} message${total === 1 ? '' : 's'}; showing the newest ${messages.length}, newest first.`;
  const blocks = messages.map((m, i) => {
    const attachments =
      m.attachments.length === 0
        ? ''
        : `\nAttachments: ${m.attachments.map((a) => `${a.filename || '(unnamed)'} (${a.mime_type}, ${a.size} bytes)`).join('; ')}`;
    const cut = m.truncated
      ? `\n[truncated: ${m.omitted_chars} more chars; get_message message_id=${m.message_id} offset=${m.next_offset}]`
      : '';
    return `--- ${i + 1}/${messages.length} · ${shortDate(m.date)} · From: ${m.from} · message_id=${m.message_id}${m.unread ? ' · unread' : ''}\n${m.body_text}${cut}${attachments}`;
  });
  const tail =
    omitted.count === 0
      ? ''
      : `\n--- ${omitted.count} older message${omitted.count === 1 ? '' : 's'} omitted (${omitted.reason}):\n${omitted.messages
          .map((m) => `${shortDate(m.date)} · ${m.from} · message_id=${m.message_id}`)
          .join('\n')}`;
  return [head, ...blocks].join('\n') + tail;
}
