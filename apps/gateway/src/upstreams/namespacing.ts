import { createHash } from 'node:crypto';

/** Every client accepts names of this shape (the strictest rule among today's hosts). */
export const VALID_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Exposed name of an upstream item: `<upstream>_<name>`, or `<name>` when prefixing is off.
 *
 * Deterministic fix-ups, so every replica and every restart agree without coordination:
 * - characters outside `[a-zA-Z0-9_-]` become `_`;
 * - a name that had to be changed, is longer than 64, or collides with a name already taken (upstreams are
 *   taken in configuration order, items in the order the upstream lists them) keeps its first 57 characters
 *   and gets `_` plus 6 characters of a hash of `<upstream>/<original name>`.
 */
export function exposedName(upstream: string, prefix: boolean, name: string, taken: ReadonlySet<string>): string {
  const base = prefix ? `${upstream}_${name}` : name;
  const clean = base.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (clean === base && clean.length > 0 && clean.length <= 64 && !taken.has(clean)) return clean;
  const digest = createHash('sha256').update(`${upstream}/${name}`).digest('hex').slice(0, 6);
  return `${clean.slice(0, 57)}_${digest}`;
}
