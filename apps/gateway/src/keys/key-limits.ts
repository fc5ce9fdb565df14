import { z } from 'zod';
import { scopePatternSchema } from './scopes.ts';

/**
 * Per-key limits as stored on the key and shown by the admin API (snake_case, the wire shape). Every part
 * is optional: an absent part means "use the gateway defaults"; `key: null` means "no overall limit for this
 * key". The rate limiter (packages/rate-limiter) enforces them; this module only stores them.
 */
export const limitRuleSchema = z.strictObject({
  /** Calls allowed per window. */
  limit: z.int().min(1).max(1_000_000),
  window_s: z.int().min(1).max(86_400),
  /** Calls allowed at once after a quiet period; defaults to `limit`. */
  burst: z.int().min(1).max(1_000_000).optional(),
});

export const toolLimitRuleSchema = z.strictObject({
  /** Glob over namespaced tool names, like a scope. */
  pattern: scopePatternSchema,
  ...limitRuleSchema.shape,
  /** Weight of one call of a matching tool (expensive tools count more); default 1. */
  cost: z.int().min(1).max(1000).optional(),
});

export const upstreamNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'An upstream name is 1–64 ASCII letters, digits, "_" or "-".');

export const keyLimitsSchema = z.strictObject({
  key: limitRuleSchema.nullable().optional(),
  upstreams: z
    .record(upstreamNameSchema, limitRuleSchema)
    .refine((upstreams) => Object.keys(upstreams).length <= 50, 'At most 50 upstream limits.')
    .optional(),
  tools: z.array(toolLimitRuleSchema).max(50).optional(),
});

export type LimitRule = z.infer<typeof limitRuleSchema>;
export type ToolLimitRule = z.infer<typeof toolLimitRuleSchema>;
export type KeyLimits = z.infer<typeof keyLimitsSchema>;
