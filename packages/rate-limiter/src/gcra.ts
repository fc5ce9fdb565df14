import type { PlannedLayer, RawOutcome } from './consume-plan.ts';

/**
 * GCRA over several layers at once, the in-memory twin of `lua/consume.lua` (keep them line-for-line alike).
 * A layer's state is its theoretical arrival time (TAT, µs); a request of cost c admits when
 * max(TAT, now) + c·interval − burst·interval ≤ now on every layer, and then moves every TAT forward.
 */
export function evaluateLayers(
  nowUs: number,
  layers: readonly PlannedLayer[],
  storedTats: readonly (number | undefined)[],
): RawOutcome & { tats: number[] } {
  let allowed = true;
  let waitUs = 0;
  let refusedIndex = -1;
  const current: number[] = [];
  const next: number[] = [];
  layers.forEach((layer, i) => {
    // A TAT beyond a full burst ahead was left by an earlier, stricter policy: clamp it (see consume.lua).
    const tat = Math.min(Math.max(storedTats[i] ?? 0, nowUs), nowUs + layer.burst * layer.intervalUs);
    const newTat = tat + layer.cost * layer.intervalUs;
    const allowAt = newTat - layer.burst * layer.intervalUs;
    if (allowAt > nowUs) {
      allowed = false;
      if (allowAt - nowUs > waitUs) {
        waitUs = allowAt - nowUs;
        refusedIndex = i;
      }
    }
    current.push(tat);
    next.push(newTat);
  });
  const tats = allowed ? next : current;
  const remaining = layers.map((layer, i) => {
    const units = Math.floor((nowUs + layer.burst * layer.intervalUs - tats[i]!) / layer.intervalUs);
    return Math.min(layer.burst, Math.max(0, units));
  });
  const resetUs = tats.map((tat) => tat - nowUs);
  return { allowed, waitUs, refusedIndex: allowed ? -1 : refusedIndex, remaining, resetUs, tats };
}
