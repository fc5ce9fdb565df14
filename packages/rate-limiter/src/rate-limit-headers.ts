import type { LayerState, RateDecision } from './rate-limiter.ts';

/**
 * `RateLimit-Policy` and `RateLimit` as in draft-ietf-httpapi-ratelimit-headers-11 (§3, §4): Structured
 * Field Lists whose items are Strings naming the policy, e.g.
 *   RateLimit-Policy: "key";q=100;w=60, "tool:gmail_send";q=10;w=60
 *   RateLimit: "key";r=42;t=18, "tool:gmail_send";r=0;t=6
 * One item per layer, most restrictive first (the refusing layer, then the least remaining quota), so a
 * client that reads only the first item still sees the limit that binds. `t` is the time until the layer
 * is fully rested. No layers, no headers (both fields must be non-empty Lists).
 * https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  if (decision.layers.length === 0) return {};
  const refused = decision.refusedBy?.id;
  const ordered = [...decision.layers].sort(
    (a, b) => Number(b.id === refused) - Number(a.id === refused) || a.remaining - b.remaining || b.resetS - a.resetS,
  );
  return {
    'RateLimit-Policy': ordered.map((layer) => `${sfString(layer.id)};q=${layer.limit};w=${layer.windowS}`).join(', '),
    RateLimit: ordered
      .map((layer: LayerState) => `${sfString(layer.id)};r=${layer.remaining};t=${layer.resetS}`)
      .join(', '),
  };
}

/** RFC 8941 §4.1.6: a String is printable ASCII in quotes, with `"` and `\` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
