/**
 * TEST INFRASTRUCTURE. The Gmail API v1 endpoints the Gmail server uses
 * (https://developers.google.com/gmail/api/reference/rest): threads.list/get, messages.get,
 * attachments.get, labels.list, getProfile, drafts.create/send. Formats `full|metadata|minimal`, repeated
 * `metadataHeaders`, `threads` omitted from an empty list, 404 for ids of another mailbox, and drafts that
 * stay in the thread only when `In-Reply-To`/`References` and the subject match, as Gmail documents.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type FakeAccount, type FakeGoogleState, GMAIL_COMPOSE, GMAIL_READONLY, googleError } from './fake-state.ts';
import type { GmailMessage, GmailPart } from './gmail-message-builder.ts';

const READ = [GMAIL_READONLY, GMAIL_COMPOSE];
const BASE = '/gmail/v1/users/:userId';

type Query = Record<string, string | string[] | undefined>;

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function notFound(reply: FastifyReply) {
  return reply.code(404).send(googleError(404, 'Requested entity was not found.', 'notFound', 'NOT_FOUND'));
}

function header(message: GmailMessage, name: string): string {
  return message.payload.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? '';
}

function plainText(part: GmailPart): string {
  if (part.parts !== undefined) return part.parts.map(plainText).join('\n');
  if (part.body.data === undefined || !part.mimeType.startsWith('text/')) return '';
  const latin = /iso-8859-1/i.test(part.headers.find((h) => h.name === 'Content-Type')?.value ?? '');
  return Buffer.from(part.body.data, 'base64url')
    .toString(latin ? 'latin1' : 'utf8')
    .replace(/<[^>]+>/g, ' ');
}

function formatMessage(message: GmailMessage, format: string, metadataHeaders: string[]) {
  if (format === 'minimal') {
    const { payload: _payload, ...rest } = message;
    return rest;
  }
  if (format === 'metadata') {
    const wanted = metadataHeaders.map((h) => h.toLowerCase());
    return {
      ...message,
      payload: {
        partId: '',
        mimeType: message.payload.mimeType,
        filename: '',
        headers: message.payload.headers.filter((h) => wanted.length === 0 || wanted.includes(h.name.toLowerCase())),
        body: { size: 0 },
      },
    };
  }
  return message;
}

function threadsOf(account: FakeAccount): Map<string, GmailMessage[]> {
  const threads = new Map<string, GmailMessage[]>();
  for (const message of account.mailbox.messages) {
    const thread = threads.get(message.threadId) ?? [];
    thread.push(message);
    threads.set(message.threadId, thread);
  }
  for (const thread of threads.values()) thread.sort((a, b) => Number(a.internalDate) - Number(b.internalDate));
  return threads;
}

/** A small subset of Gmail's search syntax: enough for the tests to mean what they say. */
function matches(account: FakeAccount, thread: GmailMessage[], q: string): boolean {
  const terms = q.match(/(?:[^\s"]+:)?"[^"]*"|\S+/g) ?? [];
  return terms.every((term) => {
    const [, op, rawValue] = /^(?:([a-z]+):)?(.*)$/i.exec(term) ?? [];
    const value = (rawValue ?? '').replace(/^"|"$/g, '').toLowerCase();
    switch (op?.toLowerCase()) {
      case 'is':
        return value === 'unread' ? thread.some((m) => m.labelIds.includes('UNREAD')) : true;
      case 'in':
        return thread.some((m) => m.labelIds.includes(value.toUpperCase()));
      case 'label': {
        const label = account.mailbox.labels.find((l) => l.name.toLowerCase().replace(/\s+/g, '-') === value);
        return label !== undefined && thread.some((m) => m.labelIds.includes(label.id));
      }
      case 'from':
        return thread.some((m) => header(m, 'From').toLowerCase().includes(value));
      case 'subject':
        return thread.some((m) => header(m, 'Subject').toLowerCase().includes(value));
      case 'has':
        return value === 'attachment' ? thread.some((m) => JSON.stringify(m.payload).includes('attachmentId')) : true;
      case 'newer_than':
      case 'older_than':
      case 'after':
      case 'before':
        return true;
      default:
        return thread.some((m) =>
          `${header(m, 'Subject')} ${header(m, 'From')} ${plainText(m.payload)}`.toLowerCase().includes(value),
        );
    }
  });
}

function parseRaw(raw: string): { headers: Map<string, string>; body: string } {
  const text = Buffer.from(raw, 'base64url').toString('utf8');
  const split = text.search(/\r?\n\r?\n/);
  if (split < 0) throw new Error('no header/body separator');
  const headers = new Map<string, string>();
  for (const line of text
    .slice(0, split)
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: text.slice(split).trim() };
}

export function registerFakeGmail(app: FastifyInstance, state: FakeGoogleState): void {
  const auth = (request: Parameters<FakeGoogleState['authenticate']>[1], reply: FastifyReply, scopes = READ) => {
    if ((request.params as { userId?: string }).userId !== 'me') {
      reply.code(403).send(googleError(403, 'Delegation denied', 'forbidden'));
      return undefined;
    }
    return state.authenticate('gmail', request, reply, scopes);
  };

  app.get(`${BASE}/profile`, async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    return {
      emailAddress: account.email,
      messagesTotal: account.mailbox.messages.length,
      threadsTotal: threadsOf(account).size,
      historyId: '123456',
    };
  });

  app.get<{ Querystring: Query }>(`${BASE}/threads`, async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    const q = request.query;
    const max = Math.min(Number(q['maxResults'] ?? 100), 500);
    const offset = Number(q['pageToken'] ?? 0);
    const labelIds = list(q['labelIds']);
    const includeSpamTrash = q['includeSpamTrash'] === 'true';
    const all = [...threadsOf(account).values()]
      .filter(
        (thread) => includeSpamTrash || !thread.every((m) => m.labelIds.some((l) => l === 'SPAM' || l === 'TRASH')),
      )
      .filter((thread) => labelIds.every((label) => thread.some((m) => m.labelIds.includes(label))))
      .filter((thread) => matches(account, thread, String(q['q'] ?? '')))
      .sort((a, b) => Number(b.at(-1)?.internalDate) - Number(a.at(-1)?.internalDate));
    const page = all.slice(offset, offset + max);
    const next = offset + max < all.length ? String(offset + max) : undefined;
    return {
      ...(page.length === 0
        ? {}
        : {
            threads: page.map((thread) => ({
              id: thread[0]?.threadId,
              snippet: thread.at(-1)?.snippet,
              historyId: thread.at(-1)?.historyId,
            })),
          }),
      ...(next === undefined ? {} : { nextPageToken: next }),
      resultSizeEstimate: all.length,
    };
  });

  app.get<{ Params: { id: string }; Querystring: Query }>(`${BASE}/threads/:id`, async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    const thread = threadsOf(account).get(request.params.id);
    if (thread === undefined) return notFound(reply);
    const format = String(request.query['format'] ?? 'full');
    const metadataHeaders = list(request.query['metadataHeaders']);
    return {
      id: request.params.id,
      historyId: thread.at(-1)?.historyId,
      messages: thread.map((m) => formatMessage(m, format, metadataHeaders)),
    };
  });

  app.get<{ Params: { id: string }; Querystring: Query }>(`${BASE}/messages/:id`, async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    const message = account.mailbox.messages.find((m) => m.id === request.params.id);
    if (message === undefined) return notFound(reply);
    return formatMessage(message, String(request.query['format'] ?? 'full'), list(request.query['metadataHeaders']));
  });

  app.get<{ Params: { id: string; attachmentId: string } }>(
    `${BASE}/messages/:id/attachments/:attachmentId`,
    async (request, reply) => {
      const account = auth(request, reply);
      if (account === undefined) return reply;
      const message = account.mailbox.messages.find((m) => m.id === request.params.id);
      const bytes = account.mailbox.attachments.get(request.params.attachmentId);
      if (message === undefined || bytes === undefined) return notFound(reply);
      return { attachmentId: request.params.attachmentId, size: bytes.length, data: bytes.toString('base64url') };
    },
  );

  app.get(`${BASE}/labels`, async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    return { labels: account.mailbox.labels };
  });

  app.post<{ Body: { message?: { raw?: string; threadId?: string } } }>(`${BASE}/drafts`, async (request, reply) => {
    const account = auth(request, reply, [GMAIL_COMPOSE]);
    if (account === undefined) return reply;
    const raw = request.body?.message?.raw;
    if (typeof raw !== 'string' || raw.length === 0) {
      return reply.code(400).send(googleError(400, "Invalid value for ByteString: ''", 'invalidArgument'));
    }
    let parsed: ReturnType<typeof parseRaw>;
    try {
      parsed = parseRaw(raw);
    } catch {
      return reply.code(400).send(googleError(400, 'Invalid RFC822 message', 'invalidArgument'));
    }
    if (!parsed.headers.has('to') && !parsed.headers.has('subject')) {
      return reply.code(400).send(googleError(400, 'Invalid RFC822 message', 'invalidArgument'));
    }
    let threadId = randomBytes(8).toString('hex');
    const requested = request.body?.message?.threadId;
    if (requested !== undefined) {
      const thread = threadsOf(account).get(requested);
      if (thread === undefined) return notFound(reply);
      const ids = thread.map((m) => header(m, 'Message-ID'));
      const refs = `${parsed.headers.get('in-reply-to') ?? ''} ${parsed.headers.get('references') ?? ''}`;
      const normalise = (s: string) =>
        s
          .replace(/^(re|fwd?):\s*/i, '')
          .trim()
          .toLowerCase();
      const subjectMatches =
        normalise(parsed.headers.get('subject') ?? '') === normalise(header(thread[0]!, 'Subject'));
      if (ids.some((id) => refs.includes(id)) && subjectMatches) threadId = requested;
    }
    const draft = {
      id: `r${BigInt(`0x${randomBytes(7).toString('hex')}`).toString()}`,
      threadId,
      raw,
      messageId: randomBytes(8).toString('hex'),
    };
    account.drafts.push(draft);
    return { id: draft.id, message: { id: draft.messageId, threadId, labelIds: ['DRAFT'] } };
  });

  app.post<{ Body: { id?: string } }>(`${BASE}/drafts/send`, async (request, reply) => {
    const account = auth(request, reply, [GMAIL_COMPOSE]);
    if (account === undefined) return reply;
    const index = account.drafts.findIndex((d) => d.id === request.body?.id);
    const draft = account.drafts[index];
    if (draft === undefined) return notFound(reply);
    account.drafts.splice(index, 1);
    const id = randomBytes(8).toString('hex');
    account.sent.push({ id, threadId: draft.threadId, raw: draft.raw });
    return { id, threadId: draft.threadId, labelIds: ['SENT'] };
  });
}
