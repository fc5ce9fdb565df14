export {
  type AuditEntry,
  type AuditEvent,
  type AuditLog,
  type AuditOutcome,
  type AuditPage,
  type AuditValue,
  sanitizeAuditEvent,
} from './audit-log.ts';
export { AuditThrottle } from './audit-throttle.ts';
export { type AuditLogOptions, createAuditLog } from './create-audit-log.ts';
export { MemoryAuditLog } from './memory-audit-log.ts';
export { RedisAuditLog } from './redis-audit-log.ts';
