export { backoffDelayMs } from './backoff.ts';
export { type BudgetPlan, type BudgetSpec, planBudget } from './budget-plan.ts';
export {
  type BudgetSnapshot,
  createGovernor,
  type Governor,
  type GovernorEvent,
  type GovernorOptions,
  type RefusalReason,
} from './governor.ts';
export { governorEnvShape, governorFallback } from './governor-env.ts';
export { createGovernorMetrics } from './governor-metrics.ts';
export { retryAfterMsFrom } from './retry-after.ts';
