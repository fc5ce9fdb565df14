// A module-loading hook that strips types with esbuild's transform and changes nothing else.
//
// Why not tsx: it transforms with keepNames, which wraps every closure that gets its name from a binding or
// a property (`const f = () => …`, `{ onMessage: (m) => … }`) in a call that redefines the new function's
// `name`. On the hot path that is several property redefinitions per request, each allocating: up to 8 % of
// the gateway's CPU per relayed call (README, "The runtime"). Names need no keeping: nothing is minified.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !new URL(url).pathname.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  try {
    const { code } = await transform(source, {
      loader: 'ts',
      format: 'esm',
      target: `node${process.versions.node}`,
      sourcemap: 'inline',
      sourcefile: path,
      // The settings of tsconfig.base.json that change what is emitted.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
    });
    return { format: 'module', source: code, shortCircuit: true };
  } catch (error) {
    throw syntaxError(error);
  }
}

/** esbuild's failure as Node reports its own: `file:line:column: what`, without esbuild's internals. */
function syntaxError(error) {
  if (!Array.isArray(error?.errors) || error.errors.length === 0) return error;
  const lines = error.errors.map(({ location, text }) =>
    location == null ? text : `${location.file}:${location.line}:${location.column + 1}: ${text}`,
  );
  const syntax = new SyntaxError(lines.join('\n'));
  // The hook's own frames say nothing about the source at fault.
  syntax.stack = `SyntaxError: ${syntax.message}`;
  return syntax;
}
