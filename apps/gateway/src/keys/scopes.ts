import { z } from 'zod';

/**
 * Scopes are glob patterns over namespaced tool names and upstream names (`*`, `gmail_*`,
 * `drive_search_files`), plus the special `admin` scope for the admin API.
 * Patterns are plain ASCII in the alphabet MCP tool names use (`^[a-zA-Z0-9_-]{1,64}$`) plus `*`, so a
 * homoglyph (a Cyrillic `а` in `gmаil_*`) cannot produce a pattern that looks right and matches nothing.
 */
export const ADMIN_SCOPE = 'admin';

export const scopePatternSchema = z
  .string()
  .regex(/^[A-Za-z0-9_*-]{1,64}$/, 'A scope is 1–64 ASCII letters, digits, "_", "-" or "*" (glob).');

export const scopeListSchema = z
  .array(scopePatternSchema)
  .max(100)
  .refine((scopes) => new Set(scopes).size === scopes.length, 'Scopes must not repeat.');

/**
 * Whether any scope grants the tool or upstream `name`. `*` matches any run of characters (no other glob
 * syntax). The `admin` scope grants the admin API only, never a tool, and `*` does not grant `admin`.
 */
export function scopeAllows(scopes: readonly string[], name: string): boolean {
  for (const scope of scopes) {
    if (scope === ADMIN_SCOPE) continue;
    if (globMatch(scope, name)) return true;
  }
  return false;
}

/** Linear-time wildcard match (greedy with one backtrack point), so no pattern can blow up like a regex. */
function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== '*' && pattern[p] === text[t]) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star !== -1) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
