import { addressParser, decodeWords } from 'postal-mime';
import type { GmailMessage, GmailMessagePart } from '../gmail-types.ts';

/** A header of a part, case-insensitively, with RFC 2047 encoded words decoded (Gmail may leave them). */
export function headerOf(part: GmailMessagePart | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  const value = part?.headers?.find((h) => h.name.toLowerCase() === lower)?.value;
  return value === undefined ? undefined : decodeWords(value);
}

export interface Person {
  name: string;
  email: string;
}

export function parseAddresses(value: string | undefined): Person[] {
  if (value === undefined || value.trim() === '') return [];
  return addressParser(value, { flatten: true }).flatMap((entry) =>
    entry.address === undefined ? [] : [{ name: entry.name, email: entry.address.toLowerCase() }],
  );
}

export function formatPerson(person: Person): string {
  return person.name === '' ? person.email : `${person.name} <${person.email}>`;
}

/** The message's own time: Gmail's `internalDate` (when it arrived), else its Date header. */
export function messageDate(message: GmailMessage): string | undefined {
  const ms = Number(message.internalDate);
  if (Number.isFinite(ms) && ms > 0) return new Date(ms).toISOString();
  const header = headerOf(message.payload, 'Date');
  const parsed = header === undefined ? Number.NaN : Date.parse(header);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

/** Gmail's snippets carry HTML entities (`&#39;`, `&amp;`). */
export function decodeSnippet(snippet: string | undefined): string {
  return (snippet ?? '').replace(/&(#\d+|#x[\da-f]+|amp|lt|gt|quot|apos|nbsp);/gi, (entity, code: string) => {
    const lower = code.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }[lower] ?? entity;
  });
}
