/**
 * Runs every test file with Node's own test runner (one runner for the whole repo): unit tests beside the
 * code (`apps/*\/src`, `packages/*\/src`) and cross-app flows in `test/`. `--only unit|flows` narrows it;
 * extra arguments are passed to `node --test` (e.g. `--test-name-pattern`).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';

const args = process.argv.slice(2);
const onlyIndex = args.indexOf('--only');
const only = onlyIndex === -1 ? undefined : args.splice(onlyIndex, 2)[1];

function collect(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const roots = only === 'flows' ? ['test'] : only === 'unit' ? ['apps', 'packages'] : ['apps', 'packages', 'test'];
const explicit = args.filter((a) => a.endsWith('.test.ts'));
const passThrough = args.filter((a) => !a.endsWith('.test.ts'));
const files = explicit.length > 0 ? explicit : roots.flatMap((root) => collect(root, [])).sort();

const child = spawn(
  process.execPath,
  [...typeScriptNodeFlags, '--test', '--test-concurrency=2', '--test-timeout=120000', ...passThrough, ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
