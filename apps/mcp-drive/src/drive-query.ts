import { SwitchboardError } from '@switchboard/errors';
import { TYPE_ALIASES, type TypeAlias } from './file-kinds.ts';

/** A value inside Drive's single-quoted string literals: `\` and `'` escaped (https://developers.google.com/drive/api/guides/ref-search-terms). */
export function quoteDriveValue(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export interface SearchCriteria {
  text?: string | undefined;
  nameContains?: string | undefined;
  types?: TypeAlias[] | undefined;
  folderId?: string | undefined;
  modifiedAfter?: string | undefined;
  rawQuery?: string | undefined;
}

/**
 * Drive's `q` for a search: every value escaped, trashed files always excluded, an expert `raw_query`
 * added in parentheses (and refused when its parentheses or quotes do not balance, so it cannot escape
 * them and undo `trashed = false`).
 */
export function buildDriveQuery(criteria: SearchCriteria): string {
  const clauses = ['trashed = false'];
  if (criteria.text) clauses.push(`fullText contains ${quoteDriveValue(criteria.text)}`);
  if (criteria.nameContains) clauses.push(`name contains ${quoteDriveValue(criteria.nameContains)}`);
  if (criteria.types !== undefined && criteria.types.length > 0) {
    const mimeTypes = [...new Set(criteria.types.flatMap((alias) => TYPE_ALIASES[alias]))];
    clauses.push(`(${mimeTypes.map((m) => `mimeType = ${quoteDriveValue(m)}`).join(' or ')})`);
  }
  if (criteria.folderId) clauses.push(`${quoteDriveValue(criteria.folderId)} in parents`);
  if (criteria.modifiedAfter) {
    clauses.push(
      `modifiedTime > ${quoteDriveValue(new Date(criteria.modifiedAfter).toISOString().replace(/\.\d{3}Z$/, 'Z'))}`,
    );
  }
  if (criteria.rawQuery) {
    assertBalanced(criteria.rawQuery);
    clauses.push(`(${criteria.rawQuery})`);
  }
  return clauses.join(' and ');
}

function assertBalanced(query: string): void {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) break;
  }
  if (quoted || depth !== 0) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      "raw_query has unbalanced quotes or parentheses; write values as 'text' with \\' for a quote.",
    );
  }
}
