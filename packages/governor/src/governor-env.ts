import { env } from '@switchboard/config';

/** Environment read by every tool server that runs a governor. */
export const governorEnvShape = {
  /** Replicas of this tool server sharing its budgets; while Redis is down each runs on budget ÷ replicas. */
  GOVERNOR_REPLICAS: env.positiveInt(1),
  /** While Redis is down: `fallback` (default) runs each replica on its share; `closed` refuses calls. */
  GOVERNOR_FAIL_MODE: env.oneOf(['fallback', 'closed'], 'fallback'),
};

/** The governor's `fallback` option as the environment sets it (absent when it fails closed). */
export function governorFallback(e: {
  GOVERNOR_REPLICAS: number;
  GOVERNOR_FAIL_MODE: 'fallback' | 'closed';
}): { replicas: number } | undefined {
  return e.GOVERNOR_FAIL_MODE === 'closed' ? undefined : { replicas: e.GOVERNOR_REPLICAS };
}
