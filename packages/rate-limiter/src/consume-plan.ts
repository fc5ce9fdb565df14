import { SwitchboardError } from '@switchboard/errors';
import { z } from 'zod';
import type { ConsumeRequest, LayerState, RateDecision } from './rate-limiter.ts';

/**
 * The boundary every implementation shares: one validation of the request, and the arithmetic both the Lua
 * script and the in-memory limiter run on. Time is in integer microseconds (Redis `TIME` resolution) and the
 * emission interval is rounded up to a whole microsecond, so Lua's doubles and JavaScript's numbers compute
 * bit-identical results (every value stays below 2^53).
 */

const US_PER_S = 1_000_000;
/** Longest time one layer may remember (burst × interval): 400 days. Keeps every sum exact in a double. */
const MAX_HORIZON_US = 400 * 86_400 * US_PER_S;

const printable = /^[\x20-\x7e]+$/;

const layerSchema = z.object({
  // Printable ASCII because the id is rendered as a structured-field String in RateLimit headers.
  id: z.string().min(1).max(200).regex(printable, 'layer id must be printable ASCII'),
  policy: z.object({
    limit: z.number().int().min(1).max(1_000_000_000),
    windowS: z
      .number()
      .int()
      .min(1)
      .max(366 * 86_400),
    burst: z.number().int().min(1).max(1_000_000_000).optional(),
  }),
  cost: z.number().int().min(1).max(1_000_000).optional(),
});

const requestSchema = z.object({
  // Braces would move the Redis hash tag; key ids never contain them.
  subject: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^{}]+$/, 'subject must not contain braces'),
  layers: z
    .array(layerSchema)
    .max(16)
    .refine((layers) => new Set(layers.map((l) => l.id)).size === layers.length, 'layer ids must be unique'),
  tag: z.string().min(1).max(200).optional(),
});

export interface PlannedLayer {
  id: string;
  limit: number;
  windowS: number;
  burst: number;
  cost: number;
  /** Emission interval: microseconds one unit takes to replenish. */
  intervalUs: number;
}

export interface ConsumePlan {
  subject: string;
  tag: string | undefined;
  layers: PlannedLayer[];
}

/** The per-layer outcome of one evaluation, whichever implementation computed it. */
export interface RawOutcome {
  allowed: boolean;
  /** Longest wait among refusing layers, µs. */
  waitUs: number;
  /** Index of the layer with that wait; -1 when allowed. */
  refusedIndex: number;
  remaining: number[];
  resetUs: number[];
}

export function emissionIntervalUs(limit: number, windowS: number): number {
  return Math.ceil((windowS * US_PER_S) / limit);
}

export function planConsume(request: ConsumeRequest): ConsumePlan {
  const parsed = requestSchema.safeParse(request);
  if (!parsed.success) {
    throw new SwitchboardError('INTERNAL', `Invalid rate-limit request: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const layers = parsed.data.layers.map((layer): PlannedLayer => {
    const { limit, windowS } = layer.policy;
    const burst = layer.policy.burst ?? limit;
    const intervalUs = emissionIntervalUs(limit, windowS);
    if (burst * intervalUs > MAX_HORIZON_US) {
      throw new SwitchboardError(
        'INTERNAL',
        `Invalid rate-limit layer ${layer.id}: burst × window/limit exceeds 400 days.`,
      );
    }
    return { id: layer.id, limit, windowS, burst, cost: layer.cost ?? 1, intervalUs };
  });
  return { subject: parsed.data.subject, tag: parsed.data.tag, layers };
}

const hoursSchema = z.number().int().min(1).max(24);

export function parseUsageHours(hours: number): number {
  const parsed = hoursSchema.safeParse(hours);
  if (!parsed.success) throw new SwitchboardError('INTERNAL', 'Usage hours must be an integer from 1 to 24.');
  return parsed.data;
}

export function toDecision(plan: ConsumePlan, raw: RawOutcome): RateDecision {
  const layers = plan.layers.map(
    (layer, i): LayerState => ({
      id: layer.id,
      limit: layer.limit,
      windowS: layer.windowS,
      remaining: raw.remaining[i] ?? 0,
      resetS: Math.ceil((raw.resetUs[i] ?? 0) / US_PER_S),
    }),
  );
  if (raw.allowed) return { allowed: true, retryAfterS: 0, layers };
  // A cost above the burst is refused at every instant; a finite wait would send the client into a retry loop.
  const hopeless = plan.layers.findIndex((layer) => layer.cost > layer.burst);
  if (hopeless !== -1) {
    const layer = plan.layers[hopeless]!;
    return {
      allowed: false,
      retryAfterS: layer.windowS,
      layers,
      refusedBy: layers[hopeless],
      reason: 'cost-exceeds-burst',
    };
  }
  return {
    allowed: false,
    retryAfterS: Math.max(1, Math.ceil(raw.waitUs / US_PER_S)),
    layers,
    refusedBy: layers[raw.refusedIndex],
    reason: 'limit',
  };
}
