/**
 * What the benchmarks share: child processes pinned to CPU 1 (the load generator pins itself to CPU 0), the
 * upstreams and gateways they measure, the `tools/call` requests they replay, and a closed-loop load that reads
 * CPU time per call of the processes it watches from /proc.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { freePort } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
import { Pool } from 'undici';

export const SECRET = 'bench-assertion-secret-0123456789abcdef';
const ADMIN = 'bench-admin-token-0123456789';
const children: ChildProcess[] = [];

/** `--name value` pairs after the script's path. */
export function cliArgs(): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 2; i < process.argv.length; i += 2)
    args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
  return args;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const pin = hasTaskset() ? (cpu: number) => ['taskset', '-c', String(cpu)] : () => [];

/** The load generator's own core, so it never competes with what it measures. */
export function pinSelfToCpu0(): void {
  if (pin(0).length > 0) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
}

export async function startProcess(
  argv: string[],
  env: Record<string, string>,
  ready: string,
  cwd = process.cwd(),
): Promise<ChildProcess> {
  const [cmd, ...rest] = argv;
  const child = spawn(cmd!, rest, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (!output.includes(ready)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`process failed to start: ${argv.join(' ')}\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

/** SIGTERM to every child, and waits for each to exit (a CPU profile is written on exit). */
export async function stopChildren(): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** The SDK v2 echo server (`v2`) and the 2025-era SDK v1 server (`v1`), and their gateway configuration. */
export async function startUpstreams(upstreams: ('v2' | 'v1')[]) {
  const started: Record<string, { url: string; pid: number }> = {};
  const gatewayUpstreams: unknown[] = [];
  if (upstreams.includes('v2')) {
    const port = await freePort();
    const child = await startProcess(
      [...pin(1), process.execPath, ...typeScriptNodeFlags, 'test/fixtures/echo-upstream.ts', '--port', String(port)],
      { NODE_ENV: 'production' },
      'listening',
    );
    started['v2'] = { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid! };
    gatewayUpstreams.push({ name: 'bench', url: started['v2'].url });
  }
  if (upstreams.includes('v1')) {
    const port = await freePort();
    const child = await startProcess(
      [
        ...pin(1),
        process.execPath,
        ...typeScriptNodeFlags,
        'test/fixtures/v1-streamable-http-server.ts',
        '--port',
        String(port),
      ],
      { NODE_ENV: 'production' },
      `:${port}/mcp`,
    );
    started['v1'] = { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid! };
    gatewayUpstreams.push({ name: 'v1', url: started['v1'].url, auth: 'none' });
  }
  return { started, gatewayUpstreams };
}

export interface GatewayProcessOptions {
  upstreams: unknown[];
  redisUrl: string;
  limits: boolean;
  /** Writes a V8 CPU profile into this directory on exit. */
  cpuProfDir?: string;
  /** The checkout whose gateway runs (default: this one); its `npm ci` must have run. */
  cwd?: string;
}

/** A gateway replica as its own process on CPU 1, with one API key made through the admin API. */
export async function startGatewayProcess(options: GatewayProcessOptions) {
  const port = await freePort();
  const adminPort = await freePort();
  const prof = options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir];
  const child = await startProcess(
    [...pin(1), process.execPath, ...prof, ...typeScriptNodeFlags, 'apps/gateway/src/main.ts'],
    {
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_PUBLIC_URL: `http://localhost:${port}`,
      GATEWAY_UPSTREAMS: JSON.stringify(options.upstreams),
      GATEWAY_ADMIN_TOKEN: ADMIN,
      GATEWAY_SESSION_SECRET: 'bench-session-secret-0123456789abcdefgh',
      GATEWAY_RATE_LIMITS_ENABLED: String(options.limits),
      // Generous limits: the benchmark measures the limiter's cost, not its refusals.
      GATEWAY_DEFAULT_LIMITS: JSON.stringify({ key: { limit: 1_000_000, window_s: 60 } }),
      CALLER_ASSERTION_SECRET: SECRET,
      REDIS_URL: options.redisUrl,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    'Switchboard gateway ready',
    options.cwd,
  );
  const response = await fetch(`http://127.0.0.1:${adminPort}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['*'] }),
  });
  const { token } = (await response.json()) as { token: string };
  return {
    child,
    url: `http://127.0.0.1:${port}/mcp`,
    publicUrl: `http://localhost:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    token,
  };
}

export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function modernCall(url: string, tool: string, auth?: string): Target {
  return {
    url,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': tool,
      ...(auth ? { authorization: auth } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: { text: 'hello' },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  };
}

export async function legacyCall(url: string, tool: string, auth?: string): Promise<Target> {
  const base = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    ...(auth ? { authorization: auth } : {}),
  };
  const init = await fetch(url, {
    method: 'POST',
    headers: base,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
    }),
  });
  await init.text();
  const session = init.headers.get('mcp-session-id');
  const headers = { ...base, 'mcp-protocol-version': '2025-11-25', ...(session ? { 'mcp-session-id': session } : {}) };
  // What a 2025 client does next; an SDK v1 server accepts calls without it, but a stricter one may not.
  const initialized = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await initialized.text();
  return {
    url,
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: tool, arguments: { text: 'hello' } },
    }),
  };
}

export interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** The first failure's status and body, so a row with errors says what they were. */
  firstError?: string;
  /** CPU time per answered call of each watched process, in µs (NaN where /proc is missing). */
  cpuUs: number[];
}

/**
 * True when the body carries a successful `tools/call` result echoing our text. A 2025-era server may answer
 * with an SSE stream (the SDK v1's default), so the JSON-RPC response is read out of its events, as a client
 * would; parsing costs the load generator's core, not the measured ones.
 */
export function isEchoAnswer(contentType: string, text: string): boolean {
  const messages: string[] = [];
  if (contentType.includes('text/event-stream')) {
    let data: string[] = [];
    for (const line of text.split(/\r\n|\r|\n/)) {
      if (line === '') {
        if (data.length > 0) messages.push(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(line.charCodeAt(5) === 32 ? 6 : 5));
    }
    if (data.length > 0) messages.push(data.join('\n'));
  } else messages.push(text);
  for (const raw of messages) {
    try {
      const message = JSON.parse(raw) as {
        id?: unknown;
        result?: { isError?: boolean; content?: { text?: string }[] };
      };
      if (message.id !== 1) continue;
      return message.result?.isError !== true && message.result?.content?.[0]?.text?.includes('hello') === true;
    } catch {}
  }
  return false;
}

const CLOCK_TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process in µs (`proc(5)`: fields 14 and 15, counted after the parenthesised name). */
export function cpuTimeUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S) * 1e6;
  } catch {
    return Number.NaN;
  }
}

export async function load(target: Target, concurrency: number, ms: number, watch: number[] = []): Promise<RunResult> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const fail = (what: string) => {
    errors++;
    firstError ??= what.slice(0, 300);
  };
  const stopAt = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < stopAt) {
      const started = performance.now();
      try {
        const res = await pool.request({
          path: url.pathname,
          method: 'POST',
          headers: target.headers,
          body: target.body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !isEchoAnswer(String(res.headers['content-type'] ?? ''), text))
          fail(`HTTP ${res.statusCode}: ${text}`);
        else latencies.push(performance.now() - started);
      } catch (error) {
        fail(String(error));
      }
    }
  };
  const cpuBefore = watch.map(cpuTimeUs);
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - began;
  const cpuUs = watch.map((pid, i) => (cpuTimeUs(pid) - cpuBefore[i]!) / latencies.length);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return {
    rps: (latencies.length / elapsed) * 1000,
    p50: at(0.5),
    p99: at(0.99),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    cpuUs,
  };
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
