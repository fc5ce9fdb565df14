import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  attachment,
  buildMessage,
  html,
  type MessageSpec,
  multipart,
  type PartSpec,
  text,
} from '../../../../test/fakes/google/gmail-message-builder.ts';
import type { GmailMessage } from '../gmail-types.ts';
import { extractBody, isStubText } from './extract-body.ts';

function message(body: PartSpec): GmailMessage {
  const spec: MessageSpec = {
    id: '18f0000000000001',
    threadId: '18f0000000000001',
    from: 'A <a@example.com>',
    to: 'B <b@example.com>',
    subject: 'Test',
    date: new Date(Date.UTC(2024, 0, 1)),
    labels: ['INBOX'],
    messageId: '<1@example.com>',
    body,
  };
  return buildMessage(spec, new Map()) as GmailMessage;
}

const read = (m: GmailMessage, options: Partial<Parameters<typeof extractBody>[1]> = {}) =>
  extractBody(m, { includeQuoted: false, prefer: 'text', ...options });

describe('message body extraction', () => {
  it('prefers text/plain, unless it is a stub pointing to the HTML', async () => {
    const real = await read(message(multipart('alternative', text('Plain words.'), html('<p>HTML words.</p>'))));
    assert.equal(real.text, 'Plain words.');
    assert.equal(real.source, 'text/plain');
    const stub = await read(
      message(
        multipart('alternative', text('Having trouble? View it in your browser.'), html('<p>The real content.</p>')),
      ),
    );
    assert.equal(stub.text, 'The real content.');
    assert.equal(stub.source, 'text/html');
    assert.equal(stub.notes.length, 1);
    const html2 = await read(message(multipart('alternative', text('Plain words.'), html('<p>HTML words.</p>'))), {
      prefer: 'html',
    });
    assert.equal(html2.text, 'HTML words.');
  });

  it('recognises stubs', () => {
    for (const stub of [
      '',
      'View this email in your browser: https://x.example/1',
      'Your email client does not support HTML messages.',
      'See the online version',
    ]) {
      assert.equal(isStubText(stub, 'x'.repeat(3_000)), true, stub);
    }
    assert.equal(isStubText('Short but real: see you at 3?', 'See you at 3?'), false);
  });

  it('walks mixed > related > alternative, lists attachments and inline parts, keeps text from every body part', async () => {
    const body = await read(
      message(
        multipart(
          'mixed',
          multipart(
            'related',
            multipart('alternative', text('Main text.'), html('<p>Main <img src="cid:c1"></p>')),
            attachment('logo.png', 'image/png', Buffer.alloc(10), { inlineCid: 'c1' }),
          ),
          text('A second text part after the first.'),
          attachment('report.pdf', 'application/pdf', Buffer.alloc(2_000)),
        ),
      ),
    );
    assert.equal(body.text, 'Main text.\n\nA second text part after the first.');
    assert.deepEqual(
      body.attachments.map((a) => [a.filename, a.mime_type, a.size, a.inline]),
      [
        ['logo.png', 'image/png', 10, true],
        ['report.pdf', 'application/pdf', 2_000, false],
      ],
    );
    assert.ok(body.attachments.every((a) => a.attachment_id.startsWith('ANGjdJ')));
  });

  it('decodes the part charset, and falls back to UTF-8 with a note for unknown charsets', async () => {
    const latin = await read(message(text('Café crème, façade.', { charset: 'iso-8859-1' })));
    assert.equal(latin.text, 'Café crème, façade.');
    const m = message(text('plain ascii'));
    const header = m.payload?.headers?.find((h) => h.name === 'Content-Type');
    if (header) header.value = 'text/plain; charset="x-unknown-9"';
    const unknown = await read(m);
    assert.equal(unknown.text, 'plain ascii');
    assert.match(unknown.notes[0] ?? '', /unknown charset/);
  });

  it('drops quoted history and signatures unless asked to keep them', async () => {
    const reply =
      'Sounds good, Thursday it is.\n\n-- \nDave\n\nOn Mon, 1 Jan 2024 at 10:00, Ann <ann@example.com> wrote:\n> Can we meet Thursday?\n';
    const stripped = await read(message(text(reply)));
    assert.equal(stripped.text, 'Sounds good, Thursday it is.');
    assert.equal(stripped.quoted_removed, true);
    const kept = await read(message(text(reply)), { includeQuoted: true });
    assert.match(kept.text, /> Can we meet Thursday\?/);
    const gmailHtml = await read(
      message(
        html(
          '<div>New text</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Ann wrote:</div><blockquote class="gmail_quote">Old text</blockquote></div>',
        ),
      ),
    );
    assert.equal(gmailHtml.text, 'New text');
  });

  it('fetches a text body Gmail left out as an attachment id', async () => {
    const m = message(text('placeholder'));
    if (m.payload?.body) m.payload.body = { size: 11, attachmentId: 'big-body' };
    const body = await read(m, {
      loadPartData: async (id) => {
        assert.equal(id, 'big-body');
        return Buffer.from('Loaded body.').toString('base64url');
      },
    });
    assert.equal(body.text, 'Loaded body.');
    assert.deepEqual(body.attachments, []);
  });
});
