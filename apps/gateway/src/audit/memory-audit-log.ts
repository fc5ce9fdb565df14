import type { Clock } from '../clock.ts';
import { type AuditEntry, type AuditEvent, type AuditLog, type AuditPage, sanitizeAuditEvent } from './audit-log.ts';

/** The single-process audit log: a ring buffer that keeps the newest `capacity` entries. */
export class MemoryAuditLog implements AuditLog {
  readonly #entries: (AuditEntry | undefined)[];
  readonly #clock: Clock;
  #next = 1;

  constructor(options: { capacity: number; clock: Clock }) {
    this.#entries = new Array(options.capacity);
    this.#clock = options.clock;
  }

  async record(event: AuditEvent): Promise<void> {
    const seq = this.#next++;
    this.#entries[seq % this.#entries.length] = {
      ...sanitizeAuditEvent(event),
      id: String(seq),
      at: this.#clock.now(),
    };
  }

  async list(query: { cursor?: string | undefined; limit: number }): Promise<AuditPage> {
    const newest = this.#next - 1;
    const oldest = Math.max(1, this.#next - this.#entries.length);
    const start = query.cursor === undefined ? newest : Math.min(newest, Number(query.cursor) - 1);
    const items: AuditEntry[] = [];
    let seq = start;
    for (; seq >= oldest && items.length < query.limit; seq--) {
      const entry = this.#entries[seq % this.#entries.length];
      if (entry !== undefined) items.push(structuredClone(entry));
    }
    return { items, nextCursor: seq >= oldest && items.length > 0 ? items.at(-1)!.id : null };
  }
}
