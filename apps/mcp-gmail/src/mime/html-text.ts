import { compile } from 'html-to-text';

/**
 * HTML mail to readable text. Newsletters and receipts are table layouts full of styles, tracking pixels and
 * hidden preheaders; what a model needs is the words and the link targets. Quoted history (Gmail's
 * `gmail_quote`, Apple/Thunderbird `blockquote type=cite`, Yahoo, Outlook's reply header) is skipped unless
 * asked for. html-to-text does the parsing; the selectors below are the mail-specific part.
 */
const common = [
  { selector: 'img', format: 'skip' },
  { selector: 'style', format: 'skip' },
  { selector: 'script', format: 'skip' },
  { selector: 'head', format: 'skip' },
  // Preheaders and other content hidden from the reader in every mail client.
  { selector: '[style*="display:none"]', format: 'skip' },
  { selector: '[style*="display: none"]', format: 'skip' },
  { selector: '.preheader', format: 'skip' },
  // Layout tables: blocks, not grids (a 600 px email is not data).
  { selector: 'table', format: 'block' },
  { selector: 'tr', format: 'block' },
  { selector: 'td', format: 'block' },
  { selector: 'th', format: 'block' },
  { selector: 'center', format: 'block' },
  {
    selector: 'a',
    options: { hideLinkHrefIfSameAsText: true, ignoreHref: false, linkBrackets: ['<', '>'] as [string, string] },
  },
  { selector: 'h1', options: { uppercase: false } },
  { selector: 'h2', options: { uppercase: false } },
  { selector: 'h3', options: { uppercase: false } },
  { selector: 'h4', options: { uppercase: false } },
  { selector: 'th', options: { uppercase: false } },
];

const quotedSelectors = [
  '.gmail_quote',
  '.gmail_attr',
  'blockquote[type="cite"]',
  '.yahoo_quoted',
  '.moz-cite-prefix',
  '#divRplyFwdMsg',
  '#appendonsend',
];

const withQuotes = compile({ wordwrap: false, selectors: common });
const withoutQuotes = compile({
  wordwrap: false,
  selectors: [...common, ...quotedSelectors.map((selector) => ({ selector, format: 'skip' }))],
});

export function htmlToText(html: string, options: { includeQuoted: boolean }): string {
  return (options.includeQuoted ? withQuotes : withoutQuotes)(html);
}
