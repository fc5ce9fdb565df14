import { toToolErrorResult } from '@switchboard/errors';
import type { CatalogEntry } from '../upstreams/upstream-registry.ts';

/**
 * The gateway's own error result for a call of `entry` (refusals, upstream failures). Shaped by the tool's
 * definition as the upstream listed it: with an outputSchema, the error stays out of `structuredContent`,
 * which the SDK v1 client would otherwise validate against that schema and reject.
 */
export function toolErrorResultFor(error: unknown, entry: CatalogEntry): Record<string, unknown> {
  return { ...toToolErrorResult(error, { hasOutputSchema: entry.definition['outputSchema'] !== undefined }) };
}
