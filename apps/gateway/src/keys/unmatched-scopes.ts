import { scopeGrants } from '../mcp/caller-key.ts';
import { ADMIN_SCOPE } from './scopes.ts';

/** What a scope can grant right now: the configured upstreams and the names their lists expose. */
export interface ScopeCatalog {
  /** Configured upstreams in configuration order; `prefixed` unless configured with `"prefix": false`. */
  upstreams: readonly { name: string; prefixed: boolean }[];
  /** Exposed tool and prompt names, by upstream name, of every upstream that listed any. */
  names: ReadonlyMap<string, readonly string[]>;
}

/**
 * The scopes that grant nothing: no tool or prompt of any configured upstream, nor its resources. A typo
 * (`gmial_*`, `bogus`) would otherwise be accepted and silently grant nothing. Judged with `scopeGrants`,
 * the check `/mcp` applies (exact, `*`, or a trailing `*`), so a pattern it would never match is refused too.
 *
 * An upstream that is configured but has listed nothing yet (down, or not answered since the gateway
 * started) cannot be checked name by name, so any scope inside its namespace counts, exact tool names too
 * (`gmail_search_threads` while gmail is down); an unprefixed upstream in that state has no namespace, so
 * then every scope counts. An upstream that has listed its tools is held to them: `gmail_serch_threads` is
 * refused while gmail lists `gmail_search_threads`.
 */
export function unmatchedScopes(scopes: readonly string[], catalog: ScopeCatalog): string[] {
  return scopes.filter(
    (scope) => scope !== ADMIN_SCOPE && scope !== '*' && !catalog.upstreams.some((u) => grantsIn(scope, u, catalog)),
  );
}

function grantsIn(scope: string, upstream: ScopeCatalog['upstreams'][number], catalog: ScopeCatalog): boolean {
  const listed = catalog.names.get(upstream.name) ?? [];
  if (listed.some((name) => scopeGrants([scope], name))) return true;
  if (!upstream.prefixed) return listed.length === 0;
  const namespace = `${upstream.name}_`;
  // Resources and templates are granted by a scope matching `<upstream>_` (see protocol-server.ts).
  if (scopeGrants([scope], namespace)) return true;
  return listed.length === 0 && couldMatchWithPrefix(scope, namespace);
}

/** Whether some name starting with `prefix` would be granted (`scopeGrants`: exact, `*`, or `literal*`). */
function couldMatchWithPrefix(scope: string, prefix: string): boolean {
  if (!scope.endsWith('*')) return scope.startsWith(prefix);
  const literal = scope.slice(0, -1);
  if (literal.includes('*')) return false;
  return literal.startsWith(prefix) || prefix.startsWith(literal);
}
