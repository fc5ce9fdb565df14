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

const isInt = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Why a request is malformed, or undefined. Hand-written rather than a zod schema because it runs on every
 * request of the gateway's hot path, where the schema cost as much as the limiter's arithmetic.
 */
function invalidReason(request: ConsumeRequest): string | undefined {
  const { subject, layers, tag } = request;
  // Braces would move the Redis hash tag; key ids never contain them.
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 200 || /[{}]/.test(subject)) {
    return 'subject must be 1–200 characters without braces';
  }
  if (tag !== undefined && (typeof tag !== 'string' || tag.length === 0 || tag.length > 200))
    return 'tag must be 1–200 characters';
  if (!Array.isArray(layers) || layers.length > 16) return 'layers must be an array of at most 16';
  const ids = new Set<string>();
  for (const layer of layers) {
    // Printable ASCII because the id is rendered as a structured-field String in RateLimit headers.
    if (typeof layer?.id !== 'string' || layer.id.length === 0 || layer.id.length > 200 || !printable.test(layer.id)) {
      return 'layer id must be 1–200 printable ASCII characters';
    }
    if (ids.has(layer.id)) return 'layer ids must be unique';
    ids.add(layer.id);
    const policy = layer.policy;
    if (!isInt(policy?.limit, 1, 1_000_000_000)) return `layer ${layer.id}: limit must be an integer from 1`;
    if (!isInt(policy.windowS, 1, 366 * 86_400))
      return `layer ${layer.id}: windowS must be an integer from 1 to 366 days`;
    if (policy.burst !== undefined && !isInt(policy.burst, 1, 1_000_000_000))
      return `layer ${layer.id}: burst must be a positive integer`;
    if (layer.cost !== undefined && !isInt(layer.cost, 1, 1_000_000))
      return `layer ${layer.id}: cost must be a positive integer`;
  }
  return undefined;
}

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
  const reason = invalidReason(request);
  if (reason !== undefined) throw new SwitchboardError('INTERNAL', `Invalid rate-limit request: ${reason}`);
  const layers = request.layers.map((layer): PlannedLayer => {
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
  return { subject: request.subject, tag: request.tag, layers };
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
