import { type LimitLayer, type RateLimiter, rateLimitHeaders } from '@switchboard/rate-limiter';
import type { KeyLimits, LimitRule } from '../keys/key-limits.ts';
import { scopeAllows } from '../keys/scopes.ts';
import type { CallerKey } from '../mcp/caller-key.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { Admission, AdmissionDecision, AdmissionTarget } from './admission.ts';

/**
 * Per-key limits as limiter layers: the key overall, the key × upstream, and the first tool rule whose
 * pattern matches (the key's own rules before the gateway defaults). A tool rule's `cost` weighs the call on
 * every layer, so an expensive tool spends more of the key's budget. One limiter call decides them all.
 */
export function createKeyAdmission(limiter: RateLimiter, defaults: KeyLimits, metrics?: GatewayMetrics): Admission {
  return {
    async admit(key: CallerKey, target: AdmissionTarget): Promise<AdmissionDecision> {
      const limits = (key.limits ?? {}) as KeyLimits;
      const layers: LimitLayer[] = [];
      const toolRule =
        target.tool === undefined
          ? undefined
          : [...(limits.tools ?? []), ...(defaults.tools ?? [])].find((rule) =>
              scopeAllows([rule.pattern], target.tool!),
            );
      const cost = toolRule?.cost ?? 1;
      const keyRule = limits.key !== undefined ? limits.key : defaults.key;
      if (keyRule != null) layers.push(layer('key', keyRule, cost));
      if (target.upstream !== undefined) {
        const upstreamRule = limits.upstreams?.[target.upstream] ?? defaults.upstreams?.[target.upstream];
        if (upstreamRule !== undefined) layers.push(layer(`upstream:${target.upstream}`, upstreamRule, cost));
      }
      if (toolRule !== undefined) layers.push(layer(`tool:${toolRule.pattern}`, toolRule, cost));
      const decision = await limiter.consume({ subject: key.id, layers, tag: target.tool ?? target.method });
      metrics?.limiterDecisions.inc({ decision: decision.allowed ? 'admitted' : (decision.reason ?? 'refused') });
      const headers = rateLimitHeaders(decision);
      if (decision.allowed) return { allowed: true, headers };
      const refusedBy = decision.refusedBy ?? decision.layers[0];
      return {
        allowed: false,
        headers,
        refusal: {
          retryAfterS: decision.retryAfterS,
          limit: refusedBy?.limit ?? 0,
          windowS: refusedBy?.windowS ?? 0,
          scope: decision.reason === 'unavailable' ? 'limiter unavailable' : (refusedBy?.id ?? 'key'),
        },
      };
    },
  };
}

function layer(id: string, rule: LimitRule, cost: number): LimitLayer {
  return {
    id,
    cost,
    policy: { limit: rule.limit, windowS: rule.window_s, ...(rule.burst === undefined ? {} : { burst: rule.burst }) },
  };
}
