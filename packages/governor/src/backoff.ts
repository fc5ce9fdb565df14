/**
 * Delay before retry number `attempt` (0 for the first retry): exponential growth capped at `capMs`, with
 * "full jitter" (a uniform draw between 0 and the cap), which spreads retries of many clients best
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffDelayMs(attempt: number, baseMs = 250, capMs = 10_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(Math.random() * ceiling);
}
