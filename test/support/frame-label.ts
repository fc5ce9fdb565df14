/** A profile's call frame as the summaries print it. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/**
 * `name path:line`, the path from `node_modules/`, `apps/`, `packages/` or `test/` on. A TypeScript frame gets no
 * line: V8 reports the line of the code the loader generated, not of the source, so its name identifies it.
 */
export function frameLabel({ functionName, url, lineNumber }: CallFrame): string {
  const name = functionName || '(anonymous)';
  if (url === '') return name;
  const where = url.replace(/^.*node_modules\//, '').replace(/^.*?\/(apps|packages|test)\//, '$1/');
  return where.endsWith('.ts') || lineNumber < 0 ? `${name} ${where}` : `${name} ${where}:${lineNumber + 1}`;
}
