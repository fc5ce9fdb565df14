import { clipText } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';
import { attachmentSchema, messageMeta, messageMetaSchema, shortDate } from '../message-view.ts';
import { extractBody } from '../mime/extract-body.ts';
import { orNotFound } from '../not-found.ts';

export function getMessageTool(deps: GmailToolDeps) {
  return defineTool({
    name: 'get_message',
    title: 'Read one Gmail message',
    description:
      'Reads one message as clean text, a window at a time: max_chars characters from offset. Use it to continue a message that get_thread cut (pass its next_offset) or to read an older message get_thread omitted. Attachments are listed with their ids; their content is not returned.',
    inputSchema: z.object({
      message_id: z.string().min(1).max(100),
      offset: z.number().int().min(0).default(0),
      max_chars: z.number().int().min(200).max(20_000).default(10_000),
      include_quoted: z.boolean().default(false).describe('Keep quoted history and signature (offsets differ then).'),
      body: z.enum(['text', 'html_as_text']).default('text'),
    }),
    outputSchema: messageMetaSchema.extend({
      body_text: z.string(),
      body_source: z.enum(['text/plain', 'text/html', 'none']),
      offset: z.number(),
      total_chars: z.number(),
      truncated: z.boolean(),
      omitted_chars: z.number().describe('Characters after this window.'),
      next_offset: z.number().optional(),
      quoted_removed: z.boolean(),
      attachments: z.array(attachmentSchema),
      notes: z.array(z.string()),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await gmailCall(deps, ctx);
      const message = await orNotFound(
        deps.gmail.getMessage(call, args.message_id, 'full'),
        `Message ${args.message_id}`,
      );
      const labelNames = await deps.labels.names(deps.gmail, call);
      const body = await extractBody(message, {
        includeQuoted: args.include_quoted,
        prefer: args.body === 'html_as_text' ? 'html' : 'text',
        loadPartData: (id) => deps.gmail.getAttachmentData(call, message.id, id),
      });
      const meta = messageMeta(message, labelNames);
      const window = clipText(body.text, args.offset, args.max_chars);
      const range = `characters ${window.offset}–${window.offset + window.text.length} of ${window.total_chars}`;
      const more = window.truncated
        ? `\n[${window.omitted_chars} more chars: get_message message_id=${meta.message_id} offset=${window.next_offset}]`
        : '';
      const attachments =
        body.attachments.length === 0
          ? ''
          : `\nAttachments: ${body.attachments.map((a) => `${a.filename || '(unnamed)'} (${a.mime_type}, ${a.size} bytes, attachment_id=${a.attachment_id})`).join('; ')}`;
      return {
        structured: {
          ...meta,
          body_text: window.text,
          body_source: body.source,
          offset: window.offset,
          total_chars: window.total_chars,
          truncated: window.truncated,
          omitted_chars: window.omitted_chars,
          ...(window.next_offset === undefined ? {} : { next_offset: window.next_offset }),
          quoted_removed: body.quoted_removed,
          attachments: body.attachments,
          notes: body.notes,
        },
        text: `${meta.subject}\nFrom: ${meta.from} · ${shortDate(meta.date)} · message_id=${meta.message_id} · thread_id=${meta.thread_id}\nTo: ${meta.to.join(', ')}${meta.cc.length > 0 ? `\nCc: ${meta.cc.join(', ')}` : ''}\n(${range})\n\n${window.text}${more}${attachments}`,
      };
    },
  });
}
