import EmailReplyParser from 'email-reply-parser';

/** Invisible characters newsletters pad preheaders with, and soft hyphens. */
const INVISIBLE =
  /\u034f|[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0]/g;

/** Normalises whitespace so that budgets are spent on words, not on layout. */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+$/gm, '')
    .replace(/^[ \t]+(?=\S)/gm, (indent) => (indent.length > 4 ? '    ' : indent))
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * Drops quoted history ("On … wrote:" and `>` lines, Outlook's "Original Message" blocks) and signatures,
 * with email-reply-parser (Crisp's port of GitHub's parser; many languages). Texts longer than `maxScan` are
 * cut there first: the parser's regular expressions are not linear on pathological input, and the fresh
 * part of a reply comes first anyway. Returns the text unchanged when nothing would be left.
 */
export function stripQuotedAndSignature(text: string, maxScan = 100_000): { text: string; removed: boolean } {
  const scanned = text.length > maxScan ? text.slice(0, maxScan) : text;
  const visible = tidyText(new EmailReplyParser().read(scanned).getVisibleText());
  if (visible === '') return { text, removed: false };
  return { text: visible, removed: visible.length < tidyText(text).length };
}
