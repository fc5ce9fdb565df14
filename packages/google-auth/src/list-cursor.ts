import { createHash } from 'node:crypto';
import { SwitchboardError } from '@switchboard/errors';

/**
 * Opaque list cursors: Google's page token plus a fingerprint of the query it belongs to, so a cursor reused
 * with other arguments is refused instead of silently paging through another result set.
 */
export function encodeCursor(pageToken: string, query: unknown): string {
  return Buffer.from(JSON.stringify({ p: pageToken, f: fingerprint(query) })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, query: unknown): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; f?: unknown };
    if (typeof value.p === 'string' && value.f === fingerprint(query)) return value.p;
  } catch {
    // Falls through to the error below.
  }
  throw new SwitchboardError(
    'VALIDATION_FAILED',
    'The cursor does not belong to this search; repeat the search without a cursor, then pass its next_cursor.',
  );
}

function fingerprint(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 12);
}
