/**
 * `npm run bench`: what the gateway costs on the hot path, as ratios against a direct call in the same run.
 *
 * An echo upstream (SDK v2) and the gateway run as separate processes pinned to CPU 1; the load generator
 * runs here, pinned to CPU 0, replaying one `tools/call` with raw HTTP (the SDK client would be the
 * bottleneck). Rounds alternate direct and gateway so drift on a shared machine hits both; figures are
 * medians of per-round values. Also measured: per-key limiting on vs off, and the gateway's RSS after
 * 1,000 legacy sessions.
 *
 *   npm run bench -- [--duration 5] [--rounds 3] [--concurrency 1,16,64] [--eras modern,legacy] [--json out.json]
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { freePort, startRedisServer } from '@switchboard/testing';
import { Pool } from 'undici';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const durationMs = Number(args.get('duration') ?? 5) * 1000;
const rounds = Number(args.get('rounds') ?? 3);
const concurrencies = (args.get('concurrency') ?? '1,16,64').split(',').map(Number);
const eras = (args.get('eras') ?? 'modern,legacy').split(',') as ('modern' | 'legacy')[];
const pin = hasTaskset() ? (cpu: number) => ['taskset', '-c', String(cpu)] : () => [];
if (pin(0).length > 0) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });

const SECRET = 'bench-assertion-secret-0123456789abcdef';
const ADMIN = 'bench-admin-token-0123456789';
const children: ChildProcess[] = [];

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function startProcess(argv: string[], env: Record<string, string>, ready: string): Promise<ChildProcess> {
  const [cmd, ...rest] = argv;
  const child = spawn(cmd!, rest, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function startGatewayProcess(upstreamUrl: string, redisUrl: string, limits: boolean) {
  const port = await freePort();
  const adminPort = await freePort();
  const child = await startProcess(
    [...pin(1), process.execPath, '--import', 'tsx', 'apps/gateway/src/main.ts'],
    {
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_PUBLIC_URL: `http://localhost:${port}`,
      GATEWAY_UPSTREAMS: JSON.stringify([{ name: 'bench', url: upstreamUrl }]),
      GATEWAY_ADMIN_TOKEN: ADMIN,
      GATEWAY_SESSION_SECRET: 'bench-session-secret-0123456789abcdefgh',
      GATEWAY_RATE_LIMITS_ENABLED: String(limits),
      // Generous limits: the benchmark measures the limiter's cost, not its refusals.
      GATEWAY_DEFAULT_LIMITS: JSON.stringify({ key: { limit: 1_000_000, window_s: 60 } }),
      CALLER_ASSERTION_SECRET: SECRET,
      REDIS_URL: redisUrl,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
    'Switchboard gateway ready',
  );
  const response = await fetch(`http://127.0.0.1:${adminPort}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', scopes: ['*'] }),
  });
  const { token } = (await response.json()) as { token: string };
  return { child, url: `http://127.0.0.1:${port}/mcp`, token };
}

interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function modernCall(url: string, tool: string, auth?: string): Target {
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

async function legacyCall(url: string, tool: string, auth?: string): Promise<Target> {
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
  return {
    url,
    headers: { ...base, 'mcp-protocol-version': '2025-11-25', ...(session ? { 'mcp-session-id': session } : {}) },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: tool, arguments: { text: 'hello' } },
    }),
  };
}

interface RunResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(target: Target, concurrency: number, ms: number): Promise<RunResult> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
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
        if (res.statusCode !== 200 || !text.includes('hello')) errors++;
        else latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - began;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { rps: (latencies.length / elapsed) * 1000, p50: at(0.5), p99: at(0.99), errors };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function main() {
  const redis = await startRedisServer();
  const upstreamPort = await freePort();
  await startProcess(
    [...pin(1), process.execPath, '--import', 'tsx', 'test/fixtures/echo-upstream.ts', '--port', String(upstreamPort)],
    { NODE_ENV: 'production' },
    'listening',
  );
  const upstreamUrl = `http://127.0.0.1:${upstreamPort}/mcp`;
  const limited = await startGatewayProcess(upstreamUrl, redis.url, true);
  const unlimited = await startGatewayProcess(upstreamUrl, redis.url, false);
  const auth = `Bearer ${limited.token}`;
  const authUnlimited = `Bearer ${unlimited.token}`;

  const rows: Record<string, unknown>[] = [];
  for (const era of eras) {
    const direct = era === 'modern' ? modernCall(upstreamUrl, 'echo') : await legacyCall(upstreamUrl, 'echo');
    const viaGateway =
      era === 'modern'
        ? modernCall(limited.url, 'bench_echo', auth)
        : await legacyCall(limited.url, 'bench_echo', auth);
    const viaUnlimited =
      era === 'modern'
        ? modernCall(unlimited.url, 'bench_echo', authUnlimited)
        : await legacyCall(unlimited.url, 'bench_echo', authUnlimited);
    for (const c of concurrencies) {
      // Warm-up: JIT, pools, caches.
      await load(direct, c, 1000);
      await load(viaGateway, c, 1000);
      await load(viaUnlimited, c, 1000);
      const per: { d: RunResult; g: RunResult; u: RunResult }[] = [];
      for (let r = 0; r < rounds; r++) {
        const d = await load(direct, c, durationMs);
        const g = await load(viaGateway, c, durationMs);
        const u = await load(viaUnlimited, c, durationMs);
        per.push({ d, g, u });
      }
      const row = {
        era,
        concurrency: c,
        direct_rps: Math.round(median(per.map((p) => p.d.rps))),
        gateway_rps: Math.round(median(per.map((p) => p.g.rps))),
        ratio: median(per.map((p) => p.g.rps / p.d.rps)),
        added_p50_ms: median(per.map((p) => p.g.p50 - p.d.p50)),
        added_p99_ms: median(per.map((p) => p.g.p99 - p.d.p99)),
        limiter_on_vs_off: median(per.map((p) => p.g.rps / p.u.rps)),
        errors: per.reduce((n, p) => n + p.d.errors + p.g.errors + p.u.errors, 0),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }

  // Memory: 1,000 legacy sessions opened through the gateway (each initialize + one tools/list).
  const pid = limited.child.pid!;
  const idle = rssKiB(pid);
  for (let batch = 0; batch < 1000; batch += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const t = await legacyCall(limited.url, 'bench_echo', auth);
        const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body });
        await res.text();
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssKiB(pid);

  console.log(
    '\n| era | concurrency | direct req/s | gateway req/s | gateway ÷ direct | added p50 (ms) | added p99 (ms) | limiter on ÷ off |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r['era']} | ${r['concurrency']} | ${r['direct_rps']} | ${r['gateway_rps']} | ${(r['ratio'] as number).toFixed(2)} | ${(r['added_p50_ms'] as number).toFixed(2)} | ${(r['added_p99_ms'] as number).toFixed(2)} | ${(r['limiter_on_vs_off'] as number).toFixed(2)} |`,
    );
  }
  console.log(
    `\nGateway RSS: idle ${(idle / 1024).toFixed(1)} MiB, after 1,000 legacy sessions ${(after / 1024).toFixed(1)} MiB (+${((after - idle) / 1024).toFixed(1)} MiB)`,
  );
  const out = args.get('json');
  if (out) writeFileSync(out, JSON.stringify({ rows, rssIdleKiB: idle, rssAfterKiB: after }, null, 2));
  for (const child of children) child.kill('SIGTERM');
  await redis.stop();
}

main().catch((error) => {
  console.error(error);
  for (const child of children) child.kill('SIGKILL');
  process.exit(1);
});
