/**
 * TEST INFRASTRUCTURE. Builds Gmail API `Message` resources (format=full) the way Gmail returns them: a MIME
 * part tree whose leaves carry base64url bodies (no padding) in their original charset, attachments
 * replaced by `attachmentId`, headers in arrival order.
 */
import { createHash } from 'node:crypto';

export interface GmailHeader {
  name: string;
  value: string;
}

export interface GmailPart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: GmailHeader[];
  body: { size: number; data?: string; attachmentId?: string };
  parts?: GmailPart[];
}

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds: string[];
  snippet: string;
  historyId: string;
  internalDate: string;
  sizeEstimate: number;
  payload: GmailPart;
}

/** A part before ids are assigned. */
export interface PartSpec {
  mimeType: string;
  headers: GmailHeader[];
  bytes?: Buffer;
  filename?: string;
  attachment?: boolean;
  children?: PartSpec[];
}

export function text(content: string, options: { charset?: 'utf-8' | 'iso-8859-1'; subtype?: string } = {}): PartSpec {
  const charset = options.charset ?? 'utf-8';
  const subtype = options.subtype ?? 'plain';
  return {
    mimeType: `text/${subtype}`,
    headers: [
      { name: 'Content-Type', value: `text/${subtype}; charset="${charset.toUpperCase()}"` },
      { name: 'Content-Transfer-Encoding', value: charset === 'utf-8' ? 'quoted-printable' : '8bit' },
    ],
    bytes: Buffer.from(content, charset === 'utf-8' ? 'utf8' : 'latin1'),
  };
}

export function html(content: string): PartSpec {
  return text(content, { subtype: 'html' });
}

export function multipart(subtype: 'alternative' | 'mixed' | 'related', ...children: PartSpec[]): PartSpec {
  const boundary = `000000000000${createHash('sha1')
    .update(JSON.stringify(children.map((c) => c.mimeType)))
    .digest('hex')
    .slice(0, 16)}`;
  return {
    mimeType: `multipart/${subtype}`,
    headers: [{ name: 'Content-Type', value: `multipart/${subtype}; boundary="${boundary}"` }],
    children,
  };
}

export function attachment(filename: string, mimeType: string, bytes: Buffer, options: { inlineCid?: string } = {}) {
  const disposition = options.inlineCid === undefined ? 'attachment' : 'inline';
  return {
    mimeType,
    filename,
    attachment: true,
    bytes,
    headers: [
      { name: 'Content-Type', value: `${mimeType}; name="${filename}"` },
      { name: 'Content-Disposition', value: `${disposition}; filename="${filename}"` },
      { name: 'Content-Transfer-Encoding', value: 'base64' },
      ...(options.inlineCid === undefined ? [] : [{ name: 'Content-ID', value: `<${options.inlineCid}>` }]),
      { name: 'X-Attachment-Id', value: createHash('sha1').update(filename).digest('hex').slice(0, 10) },
    ],
  } satisfies PartSpec;
}

export interface MessageSpec {
  id: string;
  threadId: string;
  from: string;
  to: string;
  cc?: string;
  subject: string;
  date: Date;
  labels: string[];
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  body: PartSpec;
}

/** Attachment bytes by attachment id, kept beside the messages (Gmail serves them with attachments.get). */
export type AttachmentStore = Map<string, Buffer>;

export function buildMessage(spec: MessageSpec, attachments: AttachmentStore): GmailMessage {
  const noise: GmailHeader[] = [
    { name: 'Delivered-To', value: spec.to.replace(/.*<|>.*/g, '') },
    {
      name: 'Received',
      value: `by 2002:a05:6a10:8e0e:b0:5c1:3a2f:1d4e with SMTP id ${spec.id}; ${spec.date.toUTCString()}`,
    },
    {
      name: 'ARC-Seal',
      value: `i=1; a=rsa-sha256; t=${Math.floor(spec.date.getTime() / 1000)}; cv=none; d=google.com; s=arc-20160816; b=${'Qm9ndXNBUkNTZWFs'.repeat(22)}`,
    },
    {
      name: 'DKIM-Signature',
      value: `v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=20230601; h=to:subject:message-id:date:from:mime-version:from:to:cc:subject:date:message-id:reply-to; bh=${createHash('sha256').update(spec.id).digest('base64')}; b=${'RmFrZURLSU1TaWduYXR1cmU'.repeat(16)}`,
    },
  ];
  const headers: GmailHeader[] = [
    ...noise,
    { name: 'MIME-Version', value: '1.0' },
    { name: 'Date', value: spec.date.toUTCString().replace('GMT', '+0000') },
    { name: 'Message-ID', value: spec.messageId },
    ...(spec.inReplyTo === undefined ? [] : [{ name: 'In-Reply-To', value: spec.inReplyTo }]),
    ...(spec.references === undefined ? [] : [{ name: 'References', value: spec.references.join(' ') }]),
    { name: 'Subject', value: spec.subject },
    { name: 'From', value: spec.from },
    { name: 'To', value: spec.to },
    ...(spec.cc === undefined ? [] : [{ name: 'Cc', value: spec.cc }]),
  ];
  const payload = toPart(spec.body, '', attachments, spec.id);
  payload.headers = [...headers, ...payload.headers];
  const plain = firstText(spec.body);
  return {
    id: spec.id,
    threadId: spec.threadId,
    labelIds: spec.labels,
    snippet: snippetOf(plain),
    historyId: String(100_000 + Number.parseInt(spec.id.slice(-4), 16)),
    internalDate: String(spec.date.getTime()),
    sizeEstimate: Buffer.byteLength(JSON.stringify(payload)),
    payload,
  };
}

function toPart(spec: PartSpec, partId: string, attachments: AttachmentStore, messageId: string): GmailPart {
  if (spec.children !== undefined) {
    return {
      partId,
      mimeType: spec.mimeType,
      filename: '',
      headers: spec.headers,
      body: { size: 0 },
      parts: spec.children.map((child, index) =>
        toPart(child, partId === '' ? String(index) : `${partId}.${index}`, attachments, messageId),
      ),
    };
  }
  const bytes = spec.bytes ?? Buffer.alloc(0);
  if (spec.attachment) {
    const attachmentId = `ANGjdJ${createHash('sha256').update(`${messageId}:${partId}`).digest('base64url')}`;
    attachments.set(attachmentId, bytes);
    return {
      partId,
      mimeType: spec.mimeType,
      filename: spec.filename ?? '',
      headers: spec.headers,
      body: { attachmentId, size: bytes.length },
    };
  }
  return {
    partId,
    mimeType: spec.mimeType,
    filename: '',
    headers: spec.headers,
    body: { size: bytes.length, data: bytes.toString('base64url') },
  };
}

function firstText(spec: PartSpec): string {
  if (spec.children !== undefined) {
    for (const child of spec.children) {
      const found = firstText(child);
      if (found) return found;
    }
    return '';
  }
  if (spec.attachment || !spec.mimeType.startsWith('text/')) return '';
  const charset = /iso-8859-1/i.test(spec.headers[0]?.value ?? '') ? 'latin1' : 'utf8';
  const value = (spec.bytes ?? Buffer.alloc(0)).toString(charset);
  return spec.mimeType === 'text/html'
    ? value.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' ')
    : value;
}

/** Gmail's snippets are ~200 characters of body text with HTML entities escaped. */
function snippetOf(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
    .replace(/&/g, '&amp;')
    .replace(/'/g, '&#39;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
