/** The authenticated team key behind an /mcp request, as the MCP layer needs it. */
export interface CallerKey {
  id: string;
  name: string;
  owner: string;
  scopes: readonly string[];
  /** Per-key limit overrides (see the admin API); resolved into limiter layers by rate-limits/. */
  limits?: unknown;
}

export interface McpAuthenticator {
  /** Resolves the key a bearer token stands for, or throws SwitchboardError('UNAUTHENTICATED'). */
  authenticate(token: string, ip: string): Promise<CallerKey>;
}

/** Whether a key's scopes grant a (namespaced) tool or upstream name: exact, `*`, or a `prefix*` glob. */
export function scopeGrants(scopes: readonly string[], name: string): boolean {
  for (const scope of scopes) {
    if (scope === '*' || scope === name) return true;
    if (scope.endsWith('*') && name.startsWith(scope.slice(0, -1))) return true;
  }
  return false;
}
