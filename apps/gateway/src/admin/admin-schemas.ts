import { z } from 'zod';
import type { AuditEntry } from '../audit/audit-log.ts';
import { KEY_ID_PATTERN } from '../keys/key-id.ts';
import { keyLimitsSchema } from '../keys/key-limits.ts';
import type { KeyRecord, KeyStatus } from '../keys/key-record.ts';
import { keyNameSchema, keyOwnerSchema } from '../keys/safe-text.ts';
import { scopeListSchema } from '../keys/scopes.ts';

/**
 * The admin API's wire shapes (snake_case, ISO 8601 times). Request schemas are strict: an unknown field is a
 * 400, not silently dropped, so a typo such as `scope` for `scopes` cannot look like success.
 * Schema ids (`.meta({ id })`, shown in the OpenAPI components) carry an `Admin` prefix because zod's registry
 * is process-wide.
 */

const isoTime = z.iso.datetime({ offset: true });
const allowUnknownScopes = z
  .boolean()
  .optional()
  .describe(
    'Accept scopes that match no configured upstream (meant for an upstream not configured yet); without it such scopes are a 400.',
  );
const MAX_GRACE_S = 30 * 86_400;

export const keyIdParamsSchema = z.strictObject({
  id: z.string().regex(KEY_ID_PATTERN, 'A key id looks like key_ followed by letters and digits.'),
});

export const createKeyBodySchema = z
  .strictObject({
    name: keyNameSchema,
    owner: keyOwnerSchema.optional().describe('Who the key is for (free text, e.g. an email address).'),
    scopes: scopeListSchema.describe(
      'Tool names or `<prefix>*` patterns (`*`, `gmail_*`, `gmail_search_threads`), or `admin`; each must match a configured upstream.',
    ),
    limits: keyLimitsSchema.optional(),
    expires_at: isoTime.nullable().optional(),
    allow_unknown_scopes: allowUnknownScopes,
  })
  .meta({ id: 'AdminCreateKeyRequest' });

export const updateKeyBodySchema = z
  .strictObject({
    name: keyNameSchema.optional(),
    owner: keyOwnerSchema.optional(),
    scopes: scopeListSchema.optional(),
    limits: keyLimitsSchema.optional(),
    expires_at: isoTime.nullable().optional(),
    allow_unknown_scopes: allowUnknownScopes,
  })
  .refine(
    ({ allow_unknown_scopes: _flag, ...fields }) => Object.values(fields).some((v) => v !== undefined),
    'Send at least one field to change.',
  )
  .meta({ id: 'AdminUpdateKeyRequest' });

export const rotateKeyBodySchema = z
  .strictObject({
    grace_period_s: z
      .int()
      .min(0)
      .max(MAX_GRACE_S)
      .optional()
      .describe('How long the previous secret keeps working; default 86400 (24 h); 0 = it stops now.'),
  })
  // No body at all (Fastify passes null) means the defaults.
  .nullish();

export const listKeysQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().regex(KEY_ID_PATTERN, 'Use next_cursor from the previous page.').optional(),
  status: z.enum(['active', 'revoked', 'expired']).optional(),
  owner: keyOwnerSchema.optional(),
  q: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Text found (case-insensitively) in the id, name, owner or display prefix.'),
});

export const usageQuerySchema = z.strictObject({ window: z.enum(['hour', 'day']).optional() });

export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z
    .string()
    .regex(/^[0-9]{1,20}(-[0-9]{1,20})?$/, 'Use next_cursor from the previous page.')
    .optional(),
  action: z
    .string()
    .max(100)
    .optional()
    .describe('Entries whose action starts with this, e.g. `key.` or `key.rotate`.'),
  actor: z.string().max(200).optional().describe('Entries of this actor (`admin-token`, a key id, `anonymous`).'),
  target: z.string().max(200).optional().describe('Entries about this target, e.g. a key id.'),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
});

const secretViewSchema = z.object({
  prefix: z.string(),
  created_at: isoTime,
  expires_at: isoTime.nullable().describe('Set while a rotated-out secret is in its grace period.'),
});

export const keyViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    owner: z.string(),
    scopes: z.array(z.string()),
    limits: keyLimitsSchema,
    prefix: z.string().describe('Display prefix of the current secret (not secret).'),
    status: z.enum(['active', 'revoked', 'expired']),
    created_at: isoTime,
    updated_at: isoTime,
    expires_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
    last_used_at: isoTime.nullable().describe('Updated every few seconds, not per request.'),
    last_used_ip: z.string().nullable(),
    secrets: z.array(secretViewSchema),
  })
  .meta({ id: 'AdminKey' });

export const issuedKeyViewSchema = keyViewSchema
  .extend({ token: z.string().describe('The plaintext key. Shown once; store it now.') })
  .meta({ id: 'AdminIssuedKey' });

export const keyPageSchema = z.object({ items: z.array(keyViewSchema), next_cursor: z.string().nullable() });

export const usageViewSchema = z.object({
  key_id: z.string(),
  window: z.enum(['hour', 'day']),
  usage: z
    .record(z.string(), z.object({ calls: z.number(), refused: z.number() }))
    .describe('Per tool or upstream: calls admitted and calls refused by a limit.'),
});

const outcomeSeriesSchema = z
  .object({
    ok: z.array(z.number()).describe('Calls that reached the upstream and did not fail (tool errors excluded).'),
    error: z.array(z.number()).describe('Calls that failed: tool errors, upstream errors, timeouts.'),
    rate_limited: z.array(z.number()).describe('Calls refused by a per-key limit.'),
  })
  .meta({ id: 'AdminOutcomeSeries' });

export const usageSeriesSchema = z
  .object({
    window: z.enum(['hour', 'day']),
    bucket_s: z.number().describe('Width of one bucket in seconds.'),
    start_s: z.number().describe('Start of the oldest bucket (epoch seconds); the newest is the current one.'),
    keys: z.record(z.string(), outcomeSeriesSchema).describe('Per key id; keys without calls are absent.'),
    upstreams: z.record(z.string(), outcomeSeriesSchema).describe('Per upstream name.'),
  })
  .meta({ id: 'AdminUsageSeries' });

export const upstreamListSchema = z.object({
  items: z.array(
    z
      .object({
        name: z.string(),
        url: z.string(),
        state: z.string().describe('`connecting`, `ready`, `down` or `misconfigured`.'),
        circuit: z.string().describe('Circuit breaker: `closed`, `open` or `half-open`.'),
        last_error: z.string().nullable(),
        transport: z.string().describe('streamable-http, sse (the deprecated HTTP+SSE) or stdio.'),
        protocol: z.string().nullable().describe('Protocol revision negotiated with the upstream, when known.'),
        tools: z.array(
          z.object({ name: z.string(), original: z.string(), description: z.string(), read_only: z.boolean() }),
        ),
        readiness: z
          .record(z.string(), z.unknown())
          .nullable()
          .describe("The upstream's own /readyz body (Switchboard tool servers: configuration, governor budgets)."),
      })
      .meta({ id: 'AdminUpstream' }),
  ),
});

const auditEntryViewSchema = z
  .object({
    id: z.string(),
    at: isoTime,
    actor: z.string(),
    action: z.string(),
    target: z.string().optional(),
    ip: z.string().optional(),
    outcome: z.enum(['success', 'failure', 'denied']),
    reason: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AdminAuditEntry' });

export const auditPageSchema = z.object({ items: z.array(auditEntryViewSchema), next_cursor: z.string().nullable() });

/** RFC 9457 problem detail with Switchboard's stable `code` (see @switchboard/errors). */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
  })
  .meta({ id: 'AdminProblem' });

const problemResponse = {
  description: 'Problem detail (RFC 9457) with a stable `code`',
  content: { 'application/problem+json': { schema: problemSchema } },
};

export const problemResponses = { '4xx': problemResponse, '5xx': problemResponse } as const;

export function toKeyView(record: KeyRecord, status: KeyStatus): z.infer<typeof keyViewSchema> {
  return {
    id: record.id,
    name: record.name,
    owner: record.owner,
    scopes: record.scopes,
    limits: record.limits,
    prefix: record.secrets[0]?.prefix ?? '',
    status,
    created_at: iso(record.createdAt),
    updated_at: iso(record.updatedAt),
    expires_at: isoOrNull(record.expiresAt),
    revoked_at: isoOrNull(record.revokedAt),
    last_used_at: isoOrNull(record.lastUsedAt),
    last_used_ip: record.lastUsedIp,
    secrets: record.secrets.map((s) => ({
      prefix: s.prefix,
      created_at: iso(s.createdAt),
      expires_at: isoOrNull(s.expiresAt),
    })),
  };
}

export function toAuditView(entry: AuditEntry): z.infer<typeof auditEntryViewSchema> {
  return { ...entry, at: iso(entry.at) };
}

export function parseTime(value: string | null | undefined): number | null | undefined {
  return value === undefined ? undefined : value === null ? null : Date.parse(value);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
