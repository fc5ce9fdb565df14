import type { Admission } from '../rate-limits/admission.ts';
import type { CallCounters } from './call-counters.ts';

/**
 * Counts `tools/call` refused by a per-key limit for the console. Admitted calls cost nothing here: the
 * outcome of those is counted once, after the relay, in the MCP routes.
 */
export function countRefusals(admission: Admission, calls: CallCounters): Admission {
  return {
    async admit(key, target) {
      const decision = await admission.admit(key, target);
      if (!decision.allowed && target.method === 'tools/call' && target.upstream !== undefined)
        calls.record(key.id, target.upstream, 'rate_limited');
      return decision;
    },
  };
}
