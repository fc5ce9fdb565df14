import { SwitchboardError } from '@switchboard/errors';
import { defineTool } from '@switchboard/tool-server';
import MailComposer from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import { type GmailToolDeps, gmailCall } from '../gmail-context.ts';
import { formatPerson, headerOf, parseAddresses } from '../mime/message-headers.ts';
import { orNotFound } from '../not-found.ts';

/** One header line: no CR/LF, so nothing can be smuggled into other headers. */
const headerText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !/[\r\n]/.test(value), 'must be a single line');

const address = headerText(320).refine(
  (value) => parseAddresses(value).some((p) => /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.email)),
  'must be an email address, optionally with a name: "Ada <ada@example.com>"',
);

export function createDraftTool(deps: GmailToolDeps) {
  const sending = deps.sendEnabled
    ? 'The user can send it from Gmail, or you can call send_draft with confirm: true once they have approved it.'
    : 'Sending from Switchboard is turned off by the operator: the user reviews and sends the draft in Gmail.';
  return defineTool({
    name: 'create_draft',
    title: 'Create a Gmail draft',
    description: `Creates a draft in the user's Gmail (nothing is sent). For a reply, pass reply_to_message_id: the draft joins that thread with In-Reply-To/References set, the subject becomes "Re: …" and, without "to", it goes to the original sender. ${sending}`,
    inputSchema: z.object({
      to: z.array(address).max(50).optional().describe('Recipients; optional for a reply.'),
      cc: z.array(address).max(50).optional(),
      bcc: z.array(address).max(50).optional(),
      subject: headerText(998).optional().describe('Required unless replying.'),
      body_text: z.string().min(1).max(100_000),
      body_html: z.string().max(200_000).optional().describe('Optional HTML alternative of body_text.'),
      reply_to_message_id: z.string().min(1).max(100).optional(),
    }),
    outputSchema: z.object({
      draft_id: z.string(),
      message_id: z.string(),
      thread_id: z.string(),
      to: z.array(z.string()),
      subject: z.string(),
      in_reply_to: z.string().optional(),
      web_url: z.string(),
      send_enabled: z.boolean(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    async handler(args, ctx) {
      const call = await gmailCall(deps, ctx);
      let to = args.to ?? [];
      let subject = args.subject;
      let threadId: string | undefined;
      let inReplyTo: string | undefined;
      let references: string[] | undefined;
      if (args.reply_to_message_id !== undefined) {
        const original = await orNotFound(
          deps.gmail.getMessage(call, args.reply_to_message_id, 'metadata', [
            'Message-ID',
            'References',
            'Subject',
            'From',
            'Reply-To',
          ]),
          `Message ${args.reply_to_message_id}`,
        );
        threadId = original.threadId;
        inReplyTo = headerOf(original.payload, 'Message-ID');
        const previous = (headerOf(original.payload, 'References') ?? '').split(/\s+/).filter(Boolean);
        references = inReplyTo === undefined ? previous : [...previous, inReplyTo];
        const originalSubject = headerOf(original.payload, 'Subject') ?? '';
        subject ??= /^re:/i.test(originalSubject) ? originalSubject : `Re: ${originalSubject}`;
        if (to.length === 0) {
          to = parseAddresses(headerOf(original.payload, 'Reply-To') ?? headerOf(original.payload, 'From')).map(
            formatPerson,
          );
        }
      }
      if (subject === undefined) {
        throw new SwitchboardError('VALIDATION_FAILED', 'A new draft needs a subject (or reply_to_message_id).');
      }
      if (to.length === 0 && (args.cc ?? []).length === 0 && (args.bcc ?? []).length === 0) {
        throw new SwitchboardError('VALIDATION_FAILED', 'A draft needs at least one recipient in to, cc or bcc.');
      }
      const node = new MailComposer({
        to,
        ...(args.cc === undefined ? {} : { cc: args.cc }),
        ...(args.bcc === undefined ? {} : { bcc: args.bcc }),
        subject,
        text: args.body_text,
        ...(args.body_html === undefined ? {} : { html: args.body_html }),
        ...(inReplyTo === undefined ? {} : { inReplyTo }),
        ...(references === undefined || references.length === 0 ? {} : { references }),
      }).compile();
      // Gmail sends to Bcc recipients named in the draft's own headers; MailComposer drops them by default.
      node.keepBcc = true;
      const raw = (await node.build()).toString('base64url');
      const draft = await deps.gmail.createDraft(call, raw, threadId);
      const webUrl = `https://mail.google.com/mail/#drafts?compose=${draft.message.id}`;
      return {
        structured: {
          draft_id: draft.id,
          message_id: draft.message.id,
          thread_id: draft.message.threadId,
          to,
          subject,
          ...(inReplyTo === undefined ? {} : { in_reply_to: inReplyTo }),
          web_url: webUrl,
          send_enabled: deps.sendEnabled,
        },
        text: `Draft created (draft_id=${draft.id}, thread_id=${draft.message.threadId}) to ${to.join(', ') || '(cc/bcc only)'}: "${subject}". Open it: ${webUrl}. ${sending}`,
      };
    },
  });
}
