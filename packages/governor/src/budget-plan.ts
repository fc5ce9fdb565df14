/** A budget as its owner states it: at most `limit` units (calls, or weights) in any `intervalMs`. */
export interface BudgetSpec {
  limit: number;
  intervalMs: number;
  /** Calls of this budget running at once, across every replica. */
  maxConcurrent?: number;
}

/** How a budget is enforced with bottleneck's reservoir. */
export interface BudgetPlan {
  /** Units granted per sub-window (bottleneck `reservoir` / `reservoirRefreshAmount`). */
  reservoir: number;
  /** Sub-window length (bottleneck `reservoirRefreshInterval`). */
  refreshIntervalMs: number;
  /** Units actually granted per `intervalMs` (≤ limit). */
  perInterval: number;
  /** Average spacing between units at that rate; used to spread retry times. */
  slotMs: number;
  /** Extra spacing between starts, only for budgets of one unit per interval. */
  minTimeMs: number;
}

const MIN_SUB_WINDOW_MS = 100;
const MAX_SUB_WINDOWS = 60;

/**
 * Splits a budget into k sub-windows of `reservoir` units each.
 *
 * A reservoir refilled every `intervalMs` guarantees the limit only inside its own fixed windows: 30 calls
 * at the end of one window and 30 at the start of the next are 60 within one minute, and an upstream that
 * counts in a sliding window, or in fixed windows that started at another moment, answers 429. Any span
 * of `intervalMs` overlaps at most k + 1 sub-windows, so granting floor(limit / (k + 1)) per sub-window
 * keeps every span, wherever it starts, within the limit. k is chosen to grant the most units.
 */
export function planBudget(spec: BudgetSpec): BudgetPlan {
  if (!Number.isFinite(spec.limit) || spec.limit < 1) throw new Error(`budget limit must be ≥ 1 (got ${spec.limit})`);
  if (!Number.isFinite(spec.intervalMs) || spec.intervalMs < 1) {
    throw new Error(`budget intervalMs must be ≥ 1 (got ${spec.intervalMs})`);
  }
  const limit = Math.floor(spec.limit);
  const maxK = Math.max(1, Math.min(MAX_SUB_WINDOWS, Math.floor(spec.intervalMs / MIN_SUB_WINDOW_MS)));
  let best: { k: number; reservoir: number } | undefined;
  for (let k = 1; k <= maxK; k++) {
    const reservoir = Math.floor(limit / (k + 1));
    if (reservoir < 1) break;
    if (best === undefined || k * reservoir > best.k * best.reservoir) best = { k, reservoir };
  }
  if (best === undefined) {
    // One unit per interval: a single reservoir plus a minimum spacing of a whole interval between starts.
    return {
      reservoir: 1,
      refreshIntervalMs: spec.intervalMs,
      perInterval: 1,
      slotMs: spec.intervalMs,
      minTimeMs: spec.intervalMs,
    };
  }
  const perInterval = best.k * best.reservoir;
  return {
    reservoir: best.reservoir,
    refreshIntervalMs: Math.ceil(spec.intervalMs / best.k),
    perInterval,
    slotMs: spec.intervalMs / perInterval,
    minTimeMs: 0,
  };
}
