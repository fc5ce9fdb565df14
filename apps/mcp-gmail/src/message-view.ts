import { z } from 'zod';
import type { GmailMessage } from './gmail-types.ts';
import { formatPerson, headerOf, messageDate, type Person, parseAddresses } from './mime/message-headers.ts';

export const attachmentSchema = z.object({
  attachment_id: z.string(),
  filename: z.string(),
  mime_type: z.string(),
  size: z.number().describe('Bytes.'),
  inline: z.boolean(),
});

export const messageMetaSchema = z.object({
  message_id: z.string(),
  thread_id: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  date: z.string().optional().describe('ISO 8601, when Gmail received the message.'),
  unread: z.boolean(),
  labels: z.array(z.string()),
});

export type MessageMeta = z.infer<typeof messageMetaSchema>;

export function messageMeta(message: GmailMessage, labelNames: Map<string, string>): MessageMeta {
  const date = messageDate(message);
  return {
    message_id: message.id,
    thread_id: message.threadId,
    from:
      parseAddresses(headerOf(message.payload, 'From')).map(formatPerson)[0] ?? headerOf(message.payload, 'From') ?? '',
    to: parseAddresses(headerOf(message.payload, 'To')).map(formatPerson),
    cc: parseAddresses(headerOf(message.payload, 'Cc')).map(formatPerson),
    subject: headerOf(message.payload, 'Subject') ?? '',
    ...(date === undefined ? {} : { date }),
    unread: message.labelIds?.includes('UNREAD') ?? false,
    labels: (message.labelIds ?? []).map((id) => labelNames.get(id) ?? id),
  };
}

/** Everyone on a thread (From, To, Cc), once each, senders first. */
export function participantsOf(messages: GmailMessage[], max = 12): { list: string[]; more: number } {
  const seen = new Map<string, Person>();
  for (const field of ['From', 'To', 'Cc']) {
    for (const message of messages) {
      for (const person of parseAddresses(headerOf(message.payload, field))) {
        const known = seen.get(person.email);
        if (known === undefined || (known.name === '' && person.name !== '')) seen.set(person.email, person);
      }
    }
  }
  const all = [...seen.values()].map(formatPerson);
  return { list: all.slice(0, max), more: Math.max(0, all.length - max) };
}

/** Newest first, by Gmail's arrival time. */
export function newestFirst(messages: GmailMessage[]): GmailMessage[] {
  return [...messages].sort((a, b) => Number(b.internalDate ?? 0) - Number(a.internalDate ?? 0));
}

export function shortDate(iso: string | undefined): string {
  return iso === undefined ? 'unknown date' : `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
