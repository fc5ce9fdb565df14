/**
 * How long an upstream asked us to wait, in milliseconds, or undefined when it did not say.
 *
 * `Retry-After` wins when present (RFC 9110 §10.2.3: delay-seconds or an HTTP-date). Blotato sends no such
 * header; its 429 body is `{"statusCode":429,"message":"Rate limit exceeded, retry in 49 seconds"}`
 * (https://help.blotato.com/api-and-mcp-concepts/rate-limits), so the body text is read as a fallback.
 */
export function retryAfterMsFrom(response: {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bodyText?: string;
}): number | undefined {
  const header = headerValue(response.headers, 'retry-after');
  if (header !== undefined) {
    const fromHeader = parseRetryAfterHeader(header);
    if (fromHeader !== undefined) return fromHeader;
  }
  if (response.bodyText !== undefined) return parseRetryText(response.bodyText);
  return undefined;
}

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first.trim() !== '') return first.trim();
  }
  return undefined;
}

function parseRetryAfterHeader(value: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}

const RETRY_TEXT = /retry (?:in|after) (\d+(?:\.\d+)?) ?(seconds?|secs?|s|milliseconds|ms)\b/i;

function parseRetryText(text: string): number | undefined {
  const match = RETRY_TEXT.exec(text);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  return Math.round(unit === 'ms' || unit === 'milliseconds' ? amount : amount * 1000);
}
