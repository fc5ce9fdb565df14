import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
// @ts-expect-error: a plain ES module without declarations (it must load before any TypeScript can).
import { load } from './load-typescript.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ts-runtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SOURCE = `type Answer = { value: number };
const named = (x: number): Answer => ({ value: x + 1 });
const handlers = { onMessage: (m: string) => m.length };
class Counter {
  #count = 0;
  declare hint: string;
  next(): number {
    return ++this.#count;
  }
}
console.log(JSON.stringify({ value: named(1).value, length: handlers.onMessage('four'), count: new Counter().next(), name: named.name }));
console.log(new Error('here').stack?.split('\\n')[1]?.trim());
`;

describe('the TypeScript loader', () => {
  test('strips types and wraps no closure in a name-keeping call', async () => {
    const file = join(dir, 'strip.ts');
    writeFileSync(file, SOURCE);
    const loaded = await load(pathToFileURL(file).href, {}, () => assert.fail('a .ts file is not passed on'));
    assert.equal(loaded.format, 'module');
    assert.doesNotMatch(loaded.source, /__name|: Answer|: number/);
    assert.match(loaded.source, /const named = \(x\) =>/);
  });

  test('passes every other URL to the next loader', async () => {
    const next = { format: 'builtin', source: null };
    assert.equal(await load('node:fs', {}, () => next), next);
    assert.equal(await load('file:///tmp/x.mjs', {}, () => next), next);
  });

  test('runs an entry point from any directory, with stack traces on the TypeScript lines', async () => {
    const file = join(dir, 'entry.ts');
    writeFileSync(file, SOURCE);
    const { stdout } = await promisify(execFile)(process.execPath, [...typeScriptNodeFlags, file], { cwd: tmpdir() });
    const [result, frame] = stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(result!), { value: 2, length: 4, count: 1, name: 'named' });
    assert.ok(frame!.includes(`${file}:12:13`), frame);
  });

  test('reports a syntax error by file, line and column, not with esbuild internals', async () => {
    const file = join(dir, 'broken.ts');
    writeFileSync(file, 'const ok = 1;\nconst x: number = ;\n');
    await assert.rejects(
      load(pathToFileURL(file).href, {}, () => assert.fail('a .ts file is not passed on')),
      (error: Error) => error instanceof SyntaxError && error.message === `${file}:2:19: Unexpected ";"`,
    );
    const run = promisify(execFile)(process.execPath, [...typeScriptNodeFlags, file]);
    await assert.rejects(run, (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /SyntaxError[^:]*: .*broken\.ts:2:19: Unexpected ";"/);
      assert.doesNotMatch(error.stderr ?? '', /esbuild\/lib\/main\.js|responseCallbacks|load-typescript/);
      return true;
    });
  });
});
