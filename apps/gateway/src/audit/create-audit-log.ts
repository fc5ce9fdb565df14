import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.ts';
import type { AuditLog } from './audit-log.ts';
import { MemoryAuditLog } from './memory-audit-log.ts';
import { RedisAuditLog } from './redis-audit-log.ts';

export interface AuditLogOptions {
  /** Unset: in-memory ring buffer (single process). */
  redis?: Redis | undefined;
  /** Redis key prefix; default `sb:`. */
  prefix?: string | undefined;
  /** Entries kept (approximately, in Redis); default 100 000 in Redis, 10 000 in memory. */
  maxEntries?: number | undefined;
  clock?: Clock | undefined;
}

export function createAuditLog(options: AuditLogOptions = {}): AuditLog {
  const clock = options.clock ?? systemClock;
  if (options.redis === undefined) return new MemoryAuditLog({ capacity: options.maxEntries ?? 10_000, clock });
  return new RedisAuditLog(options.redis, {
    prefix: options.prefix ?? 'sb:',
    maxEntries: options.maxEntries ?? 100_000,
    clock,
  });
}
