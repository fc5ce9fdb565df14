import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { storeIo } from '../keys/store-unavailable.ts';
import { type AuditEntry, type AuditEvent, type AuditLog, type AuditPage, sanitizeAuditEvent } from './audit-log.ts';

const storedEventSchema = z.object({
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  target: z.string().optional(),
  ip: z.string().optional(),
  outcome: z.enum(['success', 'failure', 'denied']),
  reason: z.string().optional(),
  details: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]))
    .optional(),
});

/**
 * The audit log as one Redis stream (`<prefix>audit:{log}`), one field `e` holding the entry as JSON.
 * XADD trims with an approximate MAXLEN, which Redis does cheaply at whole-node boundaries
 * (https://redis.io/docs/latest/commands/xadd/#capped-streams). Stream ids are the cursors.
 */
export class RedisAuditLog implements AuditLog {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor(redis: Redis, options: { prefix: string; maxEntries: number; clock: Clock }) {
    this.#redis = redis;
    this.#key = `${options.prefix}audit:{log}`;
    this.#maxEntries = options.maxEntries;
    this.#clock = options.clock;
  }

  async record(event: AuditEvent): Promise<void> {
    const entry = { at: this.#clock.now(), ...sanitizeAuditEvent(event) };
    await storeIo('audit log', () =>
      this.#redis.xadd(this.#key, 'MAXLEN', '~', this.#maxEntries, '*', 'e', JSON.stringify(entry)),
    );
  }

  async list(query: { cursor?: string | undefined; limit: number }): Promise<AuditPage> {
    const end = query.cursor === undefined ? '+' : `(${query.cursor}`;
    const rows = await storeIo('audit log', () => this.#redis.xrevrange(this.#key, end, '-', 'COUNT', query.limit + 1));
    const items: AuditEntry[] = [];
    for (const [id, fields] of rows.slice(0, query.limit)) {
      const entry = parseEntry(fields[fields.indexOf('e') + 1]);
      if (entry !== undefined) items.push({ id, ...entry });
    }
    const last = rows.slice(0, query.limit).at(-1);
    return { items, nextCursor: rows.length > query.limit && last !== undefined ? last[0] : null };
  }
}

function parseEntry(json: string | undefined): z.infer<typeof storedEventSchema> | undefined {
  if (json === undefined) return undefined;
  try {
    return storedEventSchema.parse(JSON.parse(json));
  } catch {
    return undefined; // Written by something else; skipping it beats failing the whole page.
  }
}
