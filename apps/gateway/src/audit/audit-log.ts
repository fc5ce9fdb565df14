/**
 * Who did what, when, from where, and how it ended: admin actions and authentication events. Never
 * secrets, never tool arguments or results.
 */
export type AuditOutcome = 'success' | 'failure' | 'denied';

export type AuditValue = string | number | boolean | null | string[];

export interface AuditEvent {
  /** `admin-token`, a key id (`key_…`), or `anonymous`. */
  actor: string;
  /** Dotted verb, e.g. `key.create`, `key.rotate`, `auth.failed`, `admin.auth_failed`. */
  action: string;
  /** What the action was about, e.g. a key id. */
  target?: string | undefined;
  ip?: string | undefined;
  outcome: AuditOutcome;
  /** A short machine-readable reason for a failure or denial (an error code or a reason word). */
  reason?: string | undefined;
  details?: Record<string, AuditValue> | undefined;
}

export interface AuditEntry extends AuditEvent {
  /** Opaque, unique, ordered; also the pagination cursor. */
  id: string;
  /** Epoch ms. */
  at: number;
}

export interface AuditPage {
  items: AuditEntry[];
  nextCursor: string | null;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /** Newest first; `cursor` is the id of the last entry of the previous page. */
  list(query: { cursor?: string | undefined; limit: number }): Promise<AuditPage>;
}

const TOKEN_LIKE = /sb_[0-9A-Za-z]{20,}/g;
const MAX_TEXT = 500;

/**
 * Defence in depth: callers never pass secrets, but if one slips into a free-text field it is cut out here
 * rather than persisted. Long text is truncated so an audit entry stays small.
 */
export function sanitizeAuditEvent(event: AuditEvent): AuditEvent {
  const clean = (value: string) => value.replace(TOKEN_LIKE, 'sb_[redacted]').slice(0, MAX_TEXT);
  const details =
    event.details === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(event.details).map(([k, v]) => [
            clean(k),
            typeof v === 'string' ? clean(v) : Array.isArray(v) ? v.slice(0, 100).map(clean) : v,
          ]),
        );
  return {
    actor: clean(event.actor),
    action: clean(event.action),
    outcome: event.outcome,
    ...(event.target === undefined ? {} : { target: clean(event.target) }),
    ...(event.ip === undefined ? {} : { ip: clean(event.ip) }),
    ...(event.reason === undefined ? {} : { reason: clean(event.reason) }),
    ...(details === undefined ? {} : { details }),
  };
}
