import type { BudgetSpec } from '@switchboard/governor';

/**
 * Blotato's per-route limits, per user / API key (requests per minute), from
 * https://help.blotato.com/api-and-mcp-concepts/rate-limits (re-read 2026; the older OpenAPI prose said 10/min
 * for `POST /v2/media`, the current page says 30). Routes without a documented limit share `other`, a
 * cautious guess. Each becomes a governor budget shared by every caller and replica.
 */
export const BLOTATO_ROUTE_LIMITS = {
  post_create: { route: 'POST /v2/posts', perMinute: 30 },
  post_status: { route: 'GET /v2/posts/{postSubmissionId}', perMinute: 60 },
  post_list: { route: 'GET /v2/posts', perMinute: 60 },
  media_import: { route: 'POST /v2/media', perMinute: 30 },
  media_upload: { route: 'POST /v2/media/uploads', perMinute: 120 },
  pinterest_boards: { route: 'GET /v2/social/pinterest/boards', perMinute: 45 },
  visual_create: { route: 'POST /v2/videos/from-templates', perMinute: 30 },
  other: { route: 'accounts, templates, schedules, visual status, credits (undocumented)', perMinute: 60 },
} as const;

export type BlotatoBudget = keyof typeof BLOTATO_ROUTE_LIMITS;

export const BLOTATO_BUDGET_NAMES = Object.keys(BLOTATO_ROUTE_LIMITS) as BlotatoBudget[];

/**
 * Default budgets: `margin` × the documented figure, leaving room for anything else using the same Blotato
 * key (its dashboard, n8n, Blotato's own MCP server) and for clock skew between replicas. The governor
 * additionally keeps every sliding minute within the budget, wherever Blotato's window starts.
 */
export function defaultBudgets(margin: number): Record<BlotatoBudget, BudgetSpec> {
  const out = {} as Record<BlotatoBudget, BudgetSpec>;
  for (const name of BLOTATO_BUDGET_NAMES) {
    out[name] = { limit: Math.max(1, Math.floor(BLOTATO_ROUTE_LIMITS[name].perMinute * margin)), intervalMs: 60_000 };
  }
  return out;
}
