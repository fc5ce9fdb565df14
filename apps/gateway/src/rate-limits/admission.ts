import type { CallerKey } from '../mcp/caller-key.ts';

/** What the MCP layer asks of the per-key limiter, once per request. */
export interface AdmissionTarget {
  method: string;
  /** Upstream that will serve the request, when known (tools/call). */
  upstream?: string;
  /** Exposed tool name, for tools/call. */
  tool?: string;
}

export interface AdmissionRefusal {
  retryAfterS: number;
  limit: number;
  windowS: number;
  /** Which layer refused: `key`, `upstream:<name>` or `tool:<pattern>`. */
  scope: string;
}

export interface AdmissionDecision {
  allowed: boolean;
  /** `RateLimit-Policy` / `RateLimit` headers for the response. */
  headers: Record<string, string>;
  refusal?: AdmissionRefusal;
}

export interface Admission {
  admit(key: CallerKey, target: AdmissionTarget): Promise<AdmissionDecision>;
}

/** Admits everything (limits switched off by configuration, or for benchmarks without limiting). */
export const admitAll: Admission = {
  async admit() {
    return { allowed: true, headers: {} };
  },
};
