/**
 * The port every limiter implements (Redis, in-memory, resilient wrapper). Semantics are GCRA: a layer with
 * `limit` per `windowS` admits one unit every `windowS / limit` seconds on average and up to `burst` units
 * at once; see README.md for the exact rules both implementations share.
 */

export interface LimitPolicy {
  /** Units admitted per window on average (a positive integer). */
  limit: number;
  /** Window in whole seconds (the IETF RateLimit draft has no sub-second windows). */
  windowS: number;
  /** Units that may be spent at once from a rested state; defaults to `limit`. */
  burst?: number;
}

export interface LimitLayer {
  /** Names the layer in headers, Redis keys and decisions, e.g. `key`, `upstream:gmail`, `tool:blotato_publish_*`. */
  id: string;
  policy: LimitPolicy;
  /** Units this request spends on this layer (a positive integer); defaults to 1. */
  cost?: number;
}

export interface ConsumeRequest {
  /** Whose budget: the API key id. Every Redis key of one subject shares one Cluster slot. */
  subject: string;
  /** Every layer that applies; all are consumed or none is. */
  layers: LimitLayer[];
  /** Tool or method name counted by `usage()`; omitted = not counted. */
  tag?: string;
}

export interface LayerState {
  id: string;
  limit: number;
  windowS: number;
  /** Units still available now (after this request, if it was admitted). */
  remaining: number;
  /** Whole seconds until the layer is fully rested again. */
  resetS: number;
}

/** Why a request was refused: a limit; a cost no layer state can ever admit; or no limiter could answer. */
export type RefusalReason = 'limit' | 'cost-exceeds-burst' | 'unavailable';

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds after which the same request can pass (rounded up, ≥ 1 when refused); 0 when allowed. */
  retryAfterS: number;
  /** One entry per requested layer, in request order. */
  layers: LayerState[];
  /** The layer that needs the longest wait (absent when allowed, or when refused as `unavailable`). */
  refusedBy?: LayerState;
  /** Present when refused. */
  reason?: RefusalReason;
}

export interface UsageTotals {
  /** Admitted requests. */
  calls: number;
  /** Refused requests. */
  refused: number;
}

export interface RateLimiter {
  consume(request: ConsumeRequest): Promise<RateDecision>;
  /** Per-tag totals over the current hour and the `hours - 1` before it (1 ≤ hours ≤ 24). */
  usage(subject: string, options: { hours: number }): Promise<Record<string, UsageTotals>>;
  /** Releases what the limiter owns; a Redis client passed in stays open (its creator closes it). */
  close(): Promise<void>;
}
