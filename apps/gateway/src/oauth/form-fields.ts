import { OAuthError } from './oauth-error.ts';

export type RawFields = Record<string, string | string[] | undefined>;

/**
 * Reads single-valued OAuth parameters. RFC 6749 §3.1: "Request and response parameters MUST NOT be
 * included more than once", so a repeated one is refused rather than silently picking a copy.
 */
export function singleFields<const N extends string>(raw: unknown, names: readonly N[]): Record<N, string | undefined> {
  const source = (typeof raw === 'object' && raw !== null ? raw : {}) as RawFields;
  const out = {} as Record<N, string | undefined>;
  for (const name of names) {
    const value = Object.hasOwn(source, name) ? source[name] : undefined;
    if (Array.isArray(value)) throw new OAuthError('invalid_request', `Parameter ${name} was sent more than once.`);
    out[name] = value === undefined || value === '' ? undefined : value;
  }
  return out;
}

/** application/x-www-form-urlencoded into an object (repeated names become arrays). */
export function parseForm(body: string): RawFields {
  const fields: RawFields = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    const existing = fields[name];
    fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return fields;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
