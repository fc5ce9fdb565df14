import type { GmailMessage, GmailMessagePart } from '../gmail-types.ts';
import { stripQuotedAndSignature, tidyText } from './clean-text.ts';
import { htmlToText } from './html-text.ts';
import { headerOf } from './message-headers.ts';

export interface AttachmentInfo {
  attachment_id: string;
  filename: string;
  mime_type: string;
  size: number;
  /** Shown inside the message (an image referenced from the HTML) rather than attached. */
  inline: boolean;
}

export interface ExtractedBody {
  /** The message as clean text: the chosen part, converted and tidied, quotes and signature dropped if asked. */
  text: string;
  /** Which part the text came from. */
  source: 'text/plain' | 'text/html' | 'none';
  /** Quoted history or a signature was dropped. */
  quoted_removed: boolean;
  attachments: AttachmentInfo[];
  /** Decisions the reader should know about (a stub text part replaced by the HTML, an unknown charset). */
  notes: string[];
}

export interface ExtractOptions {
  includeQuoted: boolean;
  /** `text` (default): text/plain unless it is a stub; `html`: the HTML part converted, when there is one. */
  prefer: 'text' | 'html';
  /** Fetches a body Gmail left out (`attachmentId` on a text part): base64url data. */
  loadPartData?: (attachmentId: string) => Promise<string>;
}

interface Rendered {
  text: string;
  from: 'plain' | 'html' | 'none';
}

/**
 * "View this email in your browser" and friends: a text/plain alternative that is only a pointer to the
 * HTML. Returning it instead of the HTML was a bug in two Gmail MCP servers
 * (GongRzhe/Gmail-MCP-Server#87, anthropics/claude-ai-mcp#203).
 */
const STUB =
  /\b(view|read|open|see)\b.{0,40}\b(in|on)\b.{0,25}\b(browser|web)\b|\bhtml version\b|\b(doesn'?t|does not|cannot|can'?t|unable to)\s+(support|display|show|render)\b.{0,30}\bhtml\b|\benable html\b|\b(web|online) version\b/i;

export function isStubText(plain: string, htmlText: string | undefined): boolean {
  const text = plain.trim();
  if (text === '') return true;
  if (htmlText === undefined) return false;
  if (text.length < 500 && STUB.test(text)) return true;
  // A token text part beside a substantial HTML one (some senders put only a link or a greeting there).
  return htmlText.length > 2_000 && text.length < htmlText.length * 0.05;
}

/**
 * The readable body of a Gmail message (format=full), following the MIME structure: alternatives pick one
 * part, mixed parts are concatenated, related parts use their root, forwarded messages (message/rfc822) are
 * included with a header line, and everything with a file name or a non-text type is listed as an attachment.
 */
export async function extractBody(message: GmailMessage, options: ExtractOptions): Promise<ExtractedBody> {
  const attachments: AttachmentInfo[] = [];
  const notes = new Set<string>();

  const decode = async (part: GmailMessagePart): Promise<string> => {
    let data = part.body?.data;
    if (data === undefined && part.body?.attachmentId !== undefined && options.loadPartData !== undefined) {
      data = await options.loadPartData(part.body.attachmentId);
    }
    if (data === undefined) return '';
    const bytes = Buffer.from(data, 'base64url');
    const charset = charsetOf(part);
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      notes.add(`unknown charset "${charset}" decoded as UTF-8`);
      return new TextDecoder('utf-8').decode(bytes);
    }
  };

  const render = async (part: GmailMessagePart): Promise<Rendered> => {
    const mimeType = (part.mimeType ?? '').toLowerCase();
    if (isAttachment(part, mimeType)) {
      const attachmentId = part.body?.attachmentId;
      if (attachmentId !== undefined || (part.filename ?? '') !== '') {
        attachments.push({
          attachment_id: attachmentId ?? '',
          filename: part.filename ?? '',
          mime_type: mimeType,
          size: part.body?.size ?? 0,
          inline:
            headerOf(part, 'Content-ID') !== undefined || /^inline/i.test(headerOf(part, 'Content-Disposition') ?? ''),
        });
      }
      return { text: '', from: 'none' };
    }
    if (mimeType === 'text/plain') return { text: tidyText(await decode(part)), from: 'plain' };
    if (mimeType === 'text/html') {
      return { text: tidyText(htmlToText(await decode(part), { includeQuoted: options.includeQuoted })), from: 'html' };
    }
    const children = part.parts ?? [];
    if (mimeType === 'multipart/alternative') {
      const rendered = await Promise.all(children.map(render));
      const plain = rendered.findLast((r) => r.from === 'plain');
      const html = rendered.findLast((r) => r.from === 'html');
      if (options.prefer === 'html' && html !== undefined) return html;
      if (plain !== undefined && !isStubText(plain.text, html?.text)) return plain;
      if (plain !== undefined && html !== undefined && plain.text.trim() !== '') {
        notes.add('the text/plain part only pointed to the HTML version; the HTML part was converted instead');
      }
      return html ?? plain ?? { text: '', from: 'none' };
    }
    if (mimeType === 'multipart/related') {
      // The root is the first part; the rest are resources it references (listed as inline attachments).
      const [root, ...resources] = children;
      for (const resource of resources) await render(resource);
      return root === undefined ? { text: '', from: 'none' } : render(root);
    }
    if (mimeType === 'message/rfc822') {
      const inner = children[0];
      if (inner === undefined) return { text: '', from: 'none' };
      const body = await render(inner);
      const from = headerOf(inner, 'From');
      const subject = headerOf(inner, 'Subject');
      const head = [
        '---------- Forwarded message ----------',
        from && `From: ${from}`,
        subject && `Subject: ${subject}`,
      ]
        .filter(Boolean)
        .join('\n');
      return { text: `${head}\n\n${body.text}`, from: body.from };
    }
    if (mimeType.startsWith('multipart/')) {
      const rendered = (await Promise.all(children.map(render))).filter((r) => r.text !== '');
      return {
        text: rendered.map((r) => r.text).join('\n\n'),
        from: rendered.some((r) => r.from === 'plain') ? 'plain' : (rendered[0]?.from ?? 'none'),
      };
    }
    return { text: '', from: 'none' };
  };

  const rendered = message.payload === undefined ? { text: '', from: 'none' as const } : await render(message.payload);
  let text = rendered.text;
  let removed = false;
  if (!options.includeQuoted && text !== '') {
    const stripped = stripQuotedAndSignature(text);
    text = stripped.text;
    removed = stripped.removed;
  }
  return {
    text,
    source: rendered.from === 'plain' ? 'text/plain' : rendered.from === 'html' ? 'text/html' : 'none',
    quoted_removed: removed,
    attachments,
    notes: [...notes],
  };
}

function charsetOf(part: GmailMessagePart): string {
  const contentType = headerOf(part, 'Content-Type') ?? '';
  const match = /charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return (match?.[1] ?? 'utf-8').toLowerCase();
}

function isAttachment(part: GmailMessagePart, mimeType: string): boolean {
  if ((part.filename ?? '') !== '') return true;
  if (/^attachment/i.test(headerOf(part, 'Content-Disposition') ?? '')) return true;
  if (mimeType.startsWith('multipart/') || mimeType === 'message/rfc822') return false;
  return mimeType !== 'text/plain' && mimeType !== 'text/html';
}
