/** A window of a long text, with an explicit account of what it left out (never a silent cut). */
export interface ClippedText {
  text: string;
  /** Characters of the whole text. */
  total_chars: number;
  /** Where this window starts. */
  offset: number;
  /** Something after the window was left out; `next_offset` continues. */
  truncated: boolean;
  /** Characters after the window. */
  omitted_chars: number;
  next_offset?: number;
}

/**
 * Cuts `text` to at most `maxChars` from `offset`, preferring a paragraph, line or word boundary in the last
 * fifth of the window, and never splitting a surrogate pair. Shared by the Gmail and Drive servers, whose
 * tools page through long bodies and documents with `offset`/`max_chars`.
 */
export function clipText(text: string, offset: number, maxChars: number): ClippedText {
  const start = Math.min(Math.max(0, offset), text.length);
  let end = Math.min(text.length, start + Math.max(0, maxChars));
  if (end < text.length) {
    const window = text.slice(start, end);
    const floor = Math.floor(window.length * 0.8);
    const boundary = Math.max(window.lastIndexOf('\n\n'), -1);
    const cut =
      boundary >= floor
        ? boundary + 2
        : window.lastIndexOf('\n') >= floor
          ? window.lastIndexOf('\n') + 1
          : window.lastIndexOf(' ') >= floor
            ? window.lastIndexOf(' ') + 1
            : window.length;
    end = start + cut;
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--;
  }
  const truncated = end < text.length;
  return {
    text: text.slice(start, end),
    total_chars: text.length,
    offset: start,
    truncated,
    omitted_chars: text.length - end,
    ...(truncated ? { next_offset: end } : {}),
  };
}
