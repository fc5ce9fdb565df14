/**
 * TEST INFRASTRUCTURE. The mail of the two fake Google accounts: realistic shapes that broke other Gmail
 * connectors (a newsletter whose text/plain part is a "view in browser" stub beside 60 KB of HTML, a
 * Latin-1 message with an encoded-word subject, a 30-message thread quoting its whole history, attachments
 * and an inline image, an HTML-only receipt).
 */
import {
  type AttachmentStore,
  attachment,
  buildMessage,
  type GmailMessage,
  html,
  type MessageSpec,
  multipart,
  text,
} from './gmail-message-builder.ts';

export interface GmailLabel {
  id: string;
  name: string;
  type: 'system' | 'user';
  messageListVisibility?: string;
  labelListVisibility?: string;
}

export interface Mailbox {
  messages: GmailMessage[];
  labels: GmailLabel[];
  attachments: AttachmentStore;
}

const SYSTEM_LABELS = [
  'INBOX',
  'UNREAD',
  'SENT',
  'DRAFT',
  'SPAM',
  'TRASH',
  'IMPORTANT',
  'STARRED',
  'CATEGORY_PROMOTIONS',
];

function labels(user: string[]): GmailLabel[] {
  return [
    ...SYSTEM_LABELS.map((id) => ({ id, name: id, type: 'system' as const })),
    ...user.map((name, index) => ({
      id: `Label_${index + 1}`,
      name,
      type: 'user' as const,
      messageListVisibility: 'show',
      labelListVisibility: 'labelShow',
    })),
  ];
}

let counter = 0x18f0a1b2c3d40000n;
function nextId(): string {
  counter += 0x1a3n;
  return counter.toString(16);
}

const ALICE = 'Alice Example <alice@example.com>';
const BOB = 'Bob Sample <bob@example.org>';
const CAROL = 'Carol Jones <carol@partner.example>';
const DAVE = 'Dave Okafor <dave@example.com>';

export const NEWSLETTER_SUBJECT = 'The Weekly Byte — Issue #42';
export const FALCON_SUBJECT = 'Project Falcon: launch plan';
export const FALCON_FINAL_LINE = 'Final decision: we launch Falcon on June 30';

export function aliceMailbox(): Mailbox {
  const attachments: AttachmentStore = new Map();
  const specs: MessageSpec[] = [];
  const base = Date.UTC(2024, 5, 1, 8, 0, 0);

  // 1. Newsletter: text/plain is a stub, the content is in 60 KB of table-laid-out HTML.
  const newsletterId = nextId();
  specs.push({
    id: newsletterId,
    threadId: newsletterId,
    from: 'The Weekly Byte <news@byte.example>',
    to: ALICE,
    subject: NEWSLETTER_SUBJECT,
    date: new Date(base + 20 * 3_600_000),
    labels: ['INBOX', 'UNREAD', 'CATEGORY_PROMOTIONS', 'Label_2'],
    messageId: `<${newsletterId}@mail.byte.example>`,
    body: multipart(
      'alternative',
      text('View this email in your browser: https://news.byte.example/view/42?u=ab12cd34\n'),
      html(newsletterHtml()),
    ),
  });

  // 2. Latin-1 body and an RFC 2047 subject.
  const latinId = nextId();
  specs.push({
    id: latinId,
    threadId: latinId,
    from: '=?ISO-8859-1?Q?Fran=E7ois_L=E9vesque?= <francois@cafe.example>',
    to: ALICE,
    subject: '=?ISO-8859-1?Q?R=E9sum=E9_du_caf=E9?=',
    date: new Date(base + 2 * 3_600_000),
    labels: ['INBOX'],
    messageId: `<${latinId}@cafe.example>`,
    body: text(
      "Bonjour Alice,\n\nVoici le résumé de notre réunion au café : la façade sera repeinte, le budget reste à 12 000 francs,\net l'équipe garde son approche naïve mais efficace.\n\nÀ bientôt,\nFrançois\n",
      { charset: 'iso-8859-1' },
    ),
  });

  // 3. Thirty messages, each quoting the whole history (as mail clients do), plain + HTML.
  specs.push(...falconThread(base + 30 * 3_600_000));

  // 4. mixed > related > alternative, an inline image and a PDF attachment.
  const reportId = nextId();
  specs.push({
    id: reportId,
    threadId: reportId,
    from: DAVE,
    to: ALICE,
    subject: 'Q3 report and chart',
    date: new Date(base + 5 * 3_600_000),
    labels: ['INBOX', 'Label_1'],
    messageId: `<${reportId}@example.com>`,
    body: multipart(
      'mixed',
      multipart(
        'related',
        multipart(
          'alternative',
          text('Hi Alice,\n\nThe Q3 report is attached; revenue grew 14%. The chart is inline below.\n\nDave\n'),
          html(
            '<div>Hi Alice,<br><br>The Q3 report is attached; revenue grew 14%. The chart is inline below.<br><img src="cid:chart1"><br>Dave</div>',
          ),
        ),
        attachment('chart.png', 'image/png', Buffer.alloc(4_096, 7), { inlineCid: 'chart1' }),
      ),
      attachment(
        'Q3-report.pdf',
        'application/pdf',
        Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(120_000, 1)]),
      ),
    ),
  });

  // 5. HTML only.
  const receiptId = nextId();
  specs.push({
    id: receiptId,
    threadId: receiptId,
    from: 'Example Store <orders@store.example>',
    to: ALICE,
    subject: 'Your receipt from Example Store',
    date: new Date(base + 1 * 3_600_000),
    labels: ['INBOX', 'UNREAD'],
    messageId: `<${receiptId}@store.example>`,
    body: html(
      '<html><head><style>td{padding:4px}</style></head><body><h2>Thanks for your order</h2><table><tr><td>USB-C cable</td><td>€12.00</td></tr><tr><td>Total</td><td>€12.00</td></tr></table><p>Order #A-1009 ships tomorrow.</p></body></html>',
    ),
  });

  // 6. A short thread with a question, to reply to.
  const lunchId = nextId();
  const lunchMessageId = `<${lunchId}@partner.example>`;
  specs.push({
    id: lunchId,
    threadId: lunchId,
    from: CAROL,
    to: ALICE,
    subject: 'Lunch on Friday?',
    date: new Date(base + 3 * 3_600_000),
    labels: ['INBOX', 'UNREAD'],
    messageId: lunchMessageId,
    body: text('Hi Alice,\n\nAre you free for lunch on Friday at 12:30? The usual place.\n\nCarol\n'),
  });

  const messages = specs.map((spec) => buildMessage(spec, attachments));
  return { messages, labels: labels(['Projects', 'Newsletters']), attachments };
}

export function bobMailbox(): Mailbox {
  const attachments: AttachmentStore = new Map();
  const base = Date.UTC(2024, 5, 3, 9, 0, 0);
  const dentistId = nextId();
  const numbersId = nextId();
  const specs: MessageSpec[] = [
    {
      id: dentistId,
      threadId: dentistId,
      from: 'Smile Dental <appointments@smile.example>',
      to: BOB,
      subject: 'Dentist appointment confirmed',
      date: new Date(base),
      labels: ['INBOX', 'UNREAD'],
      messageId: `<${dentistId}@smile.example>`,
      body: text('Dear Bob,\n\nYour dentist appointment is confirmed for Tuesday at 09:15.\n'),
    },
    {
      id: numbersId,
      threadId: numbersId,
      from: 'Erin Blake <erin@example.org>',
      to: BOB,
      subject: "Quarterly numbers (Bob's team)",
      date: new Date(base + 3_600_000),
      labels: ['INBOX'],
      messageId: `<${numbersId}@example.org>`,
      body: text("Bob,\n\nBob's team closed the quarter at 97% of target.\n\nErin\n"),
    },
  ];
  return { messages: specs.map((spec) => buildMessage(spec, attachments)), labels: labels(['Family']), attachments };
}

const FALCON_TOPICS = [
  'the vendor shortlist is down to three; pricing sheets are in the shared folder',
  'legal wants two more days on the data processing agreement before we sign anything',
  'the landing page copy is drafted and needs one more review pass from marketing',
  'support asked for a runbook covering the first week of customer questions',
  'we moved the internal demo to Thursday so that the design review can finish first',
  'the beta cohort is 140 accounts; 37 have already sent feedback through the form',
  'security signed off on the SSO integration after the last penetration test',
  'finance approved the revised budget with a 5% contingency on infrastructure',
];

function falconThread(start: number): MessageSpec[] {
  const people = [CAROL, ALICE, DAVE];
  const specs: MessageSpec[] = [];
  let plainHistory = '';
  let htmlHistory = '';
  let previous: { from: string; date: Date } | undefined;
  const references: string[] = [];
  const threadId = nextId();
  for (let n = 1; n <= 30; n++) {
    const id = n === 1 ? threadId : nextId();
    const from = people[n % people.length] ?? CAROL;
    const name = from.replace(/ <.*/, '');
    const date = new Date(start + n * 2 * 3_600_000);
    const topic = FALCON_TOPICS[n % FALCON_TOPICS.length] ?? '';
    const own =
      n === 30
        ? `Update ${n}: ${FALCON_FINAL_LINE}. Thanks everyone for the last month of work; the checklist is final and owners are assigned.`
        : `Update ${n}: ${topic}. I also checked the open items from update ${Math.max(1, n - 1)}; nothing blocks us yet, but please reply if your team sees a risk before Friday. Next step for ${name}: confirm the dates in the tracker.`;
    const signature = `--\n${name}\nProject Falcon | Example Corp\n+1 555 01${String(n).padStart(2, '0')}`;
    const quoteHeader = previous === undefined ? '' : `On ${previous.date.toUTCString()}, ${previous.from} wrote:`;
    const plain =
      previous === undefined
        ? `Hi all,\n\n${own}\n\n${signature}\n`
        : `Hi all,\n\n${own}\n\n${signature}\n\n${quoteHeader}\n${plainHistory
            .split('\n')
            .map((line) => `> ${line}`)
            .join('\n')}\n`;
    const htmlBody =
      previous === undefined
        ? `<div dir="ltr">Hi all,<br><br>${own}<br><br><div class="gmail_signature">${signature.replace(/\n/g, '<br>')}</div></div>`
        : `<div dir="ltr">Hi all,<br><br>${own}<br><br><div class="gmail_signature">${signature.replace(/\n/g, '<br>')}</div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">${quoteHeader.replace(/</g, '&lt;').replace(/>/g, '&gt;')}<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">${htmlHistory}</blockquote></div>`;
    const messageId = `<falcon-${n}-${id}@mail.example.com>`;
    specs.push({
      id,
      threadId,
      from,
      to: people.filter((p) => p !== from).join(', '),
      subject: n === 1 ? FALCON_SUBJECT : `Re: ${FALCON_SUBJECT}`,
      date,
      labels: n >= 28 ? ['INBOX', 'UNREAD', 'Label_1'] : ['INBOX', 'Label_1'],
      messageId,
      ...(references.length === 0 ? {} : { inReplyTo: references[references.length - 1], references: [...references] }),
      body: multipart('alternative', text(plain), html(htmlBody)),
    });
    references.push(messageId);
    plainHistory = plain.trimEnd();
    htmlHistory = htmlBody;
    previous = { from, date };
  }
  return specs;
}

function newsletterHtml(): string {
  const css = Array.from(
    { length: 60 },
    (_, i) =>
      `.col-${i} { width: ${i * 10}px !important; max-width: ${i * 10}px; font-family: Helvetica, Arial, sans-serif; mso-line-height-rule: exactly; }`,
  ).join('\n');
  const preheader = `This week: faster builds, a new CLI, and three talks worth your time.${'&zwnj;&nbsp;'.repeat(80)}`;
  const article = (i: number) => {
    const n = i + 1;
    const track = `https://click.byte.example/ls/click?upn=${'u001.Y2xpY2t0cmFja2luZ3Rva2Vu'.repeat(4)}-${n}`;
    return `
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt;background-color:#ffffff;">
  <tr><td class="col-${n}" style="padding:24px 32px 8px 32px;font-family:Helvetica,Arial,sans-serif;font-size:22px;line-height:28px;color:#111111;font-weight:bold;">
    <a href="${track}" style="color:#111111;text-decoration:none;" target="_blank">Story ${n}: ${['Faster builds with incremental caches', 'A new CLI for the platform', 'Talks worth your time', 'Postgres 17 in production', 'How we cut CI time in half'][i % 5]}</a>
  </td></tr>
  <tr><td style="padding:0 32px 16px 32px;font-family:Helvetica,Arial,sans-serif;font-size:16px;line-height:24px;color:#333333;">
    <img src="https://img.byte.example/story-${n}.png" width="536" height="240" alt="" style="display:block;border:0;outline:none;text-decoration:none;-ms-interpolation-mode:bicubic;width:100%;max-width:536px;height:auto;"><br>
    Story ${n} in brief: teams that adopted the practice saw measurable gains within a quarter, and the write-up explains the trade-offs, the migration path and the numbers behind them.
  </td></tr>
  <tr><td style="padding:0 32px 32px 32px;"><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td style="border-radius:4px;background:#0b5fff;"><a href="${track}&amp;cta=1" style="display:inline-block;padding:10px 18px;font-family:Helvetica,Arial,sans-serif;font-size:14px;color:#ffffff;text-decoration:none;border-radius:4px;" target="_blank">Read more</a></td></tr></table></td></tr>
</table>`;
  };
  const pageWith = (
    count: number,
  ) => `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${NEWSLETTER_SUBJECT}</title><style type="text/css">${css}</style></head>
<body style="margin:0;padding:0;background-color:#f4f4f4;">
<span class="preheader" style="display:none!important;visibility:hidden;opacity:0;color:transparent;height:0;width:0;">${preheader}</span>
<center><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" align="center">
<tr><td style="padding:16px;font-size:12px;color:#777777;"><a href="https://news.byte.example/view/42?u=ab12cd34" style="color:#777777;">View in browser</a></td></tr>
<tr><td>${Array.from({ length: count }, (_, i) => article(i)).join('\n')}</td></tr>
<tr><td style="padding:24px;font-size:12px;color:#777777;">You are receiving this because you subscribed at byte.example. <a href="https://news.byte.example/unsubscribe?u=ab12cd34">Unsubscribe</a> · Byte Media, 1 Example Way, Springfield<img src="https://t.byte.example/open.gif?u=ab12cd34" width="1" height="1" alt=""></td></tr>
</table></center></body></html>`;
  // As many stories as it takes to reach the 60 KB of a typical ESP newsletter.
  let count = 1;
  while (Buffer.byteLength(pageWith(count)) < 60 * 1024) count++;
  return pageWith(count);
}
