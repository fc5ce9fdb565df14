/**
 * `npm run bench`: what the gateway costs on the hot path, as ratios against a direct call in the same run.
 *
 * Two upstreams, each with its own direct baseline: an echo server on the SDK v2 (`v2`, stateless, the
 * gateway's native era) and a 2025-era server on the SDK v1 (`v1`: one session made with `initialize`, every
 * answer an SSE stream), which the gateway reaches through its pooled upstream session. Upstreams and the
 * gateway run as separate processes pinned to CPU 1; the load generator runs here, pinned to CPU 0,
 * replaying one `tools/call` with raw HTTP (the SDK client would be the bottleneck). Rounds alternate direct
 * and gateway so drift on a shared machine hits both; figures are medians of per-round values. Also
 * measured: per-key limiting on vs off, CPU per call (from /proc, so Linux only), the gateway's RSS
 * after 1,000 legacy sessions, and the floor (floor-relay.ts: the least a Node relay with the same duties does,
 * on the same core, relaying the direct call), so each row says how far the gateway is from what Node allows.
 *
 *   npm run bench -- [--duration 5] [--rounds 3] [--concurrency 1,16,64] [--eras modern,legacy]
 *     [--upstreams v2,v1] [--auth key,oauth] [--cpu-prof dir] [--sessions 1000] [--memory-only true]
 *     [--json out.json]
 *
 * `--auth oauth` adds rows where the caller presents an OAuth access token (obtained through the front door's
 * registration, consent and token endpoints) instead of the API key. `--cpu-prof dir` writes a V8 CPU profile
 * of the limited gateway into `dir` when it exits (summarise with `test/bench/profile-summary.ts`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { freePort, startRedisServer } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
import { consentOverHttp } from '../flows/oauth-harness.ts';
import {
  cliArgs,
  cpuTimeUs,
  killChildren,
  legacyCall,
  load,
  median,
  modernCall,
  pin,
  pinSelfToCpu0,
  type RunResult,
  startGatewayProcess,
  startProcess,
  startUpstreams,
  stopChildren,
} from './bench-kit.ts';

const args = cliArgs();
const durationMs = Number(args.get('duration') ?? 5) * 1000;
const rounds = Number(args.get('rounds') ?? 3);
const concurrencies = (args.get('concurrency') ?? '1,16,64').split(',').map(Number);
const eras = (args.get('eras') ?? 'modern,legacy').split(',') as ('modern' | 'legacy')[];
const upstreams = (args.get('upstreams') ?? 'v2,v1').split(',') as ('v2' | 'v1')[];
const auths = (args.get('auth') ?? 'key').split(',') as ('key' | 'oauth')[];
const cpuProfDir = args.get('cpu-prof');
const sessionCount = Number(args.get('sessions') ?? 1000);
/** `--memory-only true`: skip the throughput rows, measure only the RSS of `--sessions` legacy sessions. */
const memoryOnly = args.get('memory-only') === 'true';
pinSelfToCpu0();
/** When the profiled gateway served measured rounds (CLOCK_MONOTONIC µs, the clock V8's profiler stamps with). */
const profileWindows: [number, number][] = [];
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * An OAuth access token bound to `apiKey`, the way Claude's connector gets one: dynamic registration, the
 * consent page (the API key pasted), and the authorization-code exchange with PKCE.
 */
async function oauthToken(publicUrl: string, apiKey: string): Promise<string> {
  const redirectUri = 'https://claude.ai/api/mcp/auth_callback';
  const registered = await fetch(`${publicUrl}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'bench',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }),
  });
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${publicUrl}/authorize`);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state: 'bench',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope: 'mcp',
    resource: `${publicUrl}/mcp`,
  }))
    authorize.searchParams.set(name, value);
  const consent = await consentOverHttp(authorize, apiKey);
  const code = consent.location?.searchParams.get('code');
  if (code == null) throw new Error(`consent failed: HTTP ${consent.status}`);
  const exchanged = await fetch(`${publicUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
      resource: `${publicUrl}/mcp`,
    }).toString(),
  });
  const { access_token: accessToken } = (await exchanged.json()) as { access_token?: string };
  if (accessToken === undefined) throw new Error(`token exchange failed: HTTP ${exchanged.status}`);
  return accessToken;
}

/** RSS once it has stopped falling for 3 s (at most 30 s of waiting). */
async function settledRssKiB(pid: number): Promise<number> {
  let lowest = rssKiB(pid);
  let steady = 0;
  for (let waited = 0; waited < 30 && steady < 3; waited++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = rssKiB(pid);
    if (now < lowest - 256) {
      lowest = now;
      steady = 0;
    } else steady++;
  }
  return Math.min(lowest, rssKiB(pid));
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function main() {
  const redis = await startRedisServer();
  const { started, gatewayUpstreams } = await startUpstreams(upstreams);
  const limited = await startGatewayProcess({
    upstreams: gatewayUpstreams,
    redisUrl: redis.url,
    limits: true,
    ...(cpuProfDir === undefined ? {} : { cpuProfDir }),
  });
  const unlimited = await startGatewayProcess({ upstreams: gatewayUpstreams, redisUrl: redis.url, limits: false });
  const auth = `Bearer ${limited.token}`;
  const authUnlimited = `Bearer ${unlimited.token}`;
  const floors: Record<string, { url: string; pid: number }> = {};
  for (const [name, { url }] of Object.entries(started)) {
    const port = await freePort();
    const tools = name === 'v2' ? 'bench_echo=echo' : 'v1_echo=echo';
    const argv = ['--port', String(port), '--upstream', url, '--redis', redis.url, '--token', limited.token];
    const child = await startProcess(
      [...pin(1), process.execPath, ...typeScriptNodeFlags, 'test/bench/floor-relay.ts', ...argv, '--tools', tools],
      { NODE_ENV: 'production' },
      'floor relay listening',
    );
    floors[name] = { url: `http://127.0.0.1:${port}/mcp`, pid: child.pid! };
  }
  const bearer = {
    key: auth,
    oauth: auths.includes('oauth') ? `Bearer ${await oauthToken(limited.publicUrl, limited.token)}` : auth,
  };
  const gatewayPid = limited.child.pid!;
  const redisPid = redis.pid ?? 0;

  const rows: Record<string, unknown>[] = [];
  for (const upstream of memoryOnly ? [] : upstreams) {
    const { url: upstreamUrl, pid: upstreamPid } = started[upstream]!;
    const tool = upstream === 'v2' ? 'bench_echo' : 'v1_echo';
    for (const era of eras) {
      for (const authKind of auths) {
        // The v1 server speaks only the 2025 era, so its baseline is a 2025 client's session whatever the
        // era the gateway's caller speaks.
        const direct =
          upstream === 'v2' && era === 'modern'
            ? modernCall(upstreamUrl, 'echo')
            : await legacyCall(upstreamUrl, 'echo');
        const callerAuth = bearer[authKind];
        const viaGateway =
          era === 'modern'
            ? modernCall(limited.url, tool, callerAuth)
            : await legacyCall(limited.url, tool, callerAuth);
        const viaUnlimited =
          era === 'modern'
            ? modernCall(unlimited.url, tool, authUnlimited)
            : await legacyCall(unlimited.url, tool, authUnlimited);
        // The floor relays the direct call's own request (same era, same upstream session) with the caller's key.
        const viaFloor = {
          ...direct,
          url: floors[upstream]!.url,
          headers: { ...direct.headers, authorization: auth },
        };
        for (const c of concurrencies) {
          // Warm-up: JIT, pools, caches.
          await load(direct, c, 1000);
          await load(viaFloor, c, 1000);
          await load(viaGateway, c, 1000);
          await load(viaUnlimited, c, 1000);
          const per: { d: RunResult; g: RunResult; u: RunResult; f: RunResult }[] = [];
          for (let r = 0; r < rounds; r++) {
            const d = await load(direct, c, durationMs, [upstreamPid]);
            const from = monotonicUs();
            const g = await load(viaGateway, c, durationMs, [gatewayPid, upstreamPid, redisPid]);
            profileWindows.push([from, monotonicUs()]);
            const u = await load(viaUnlimited, c, durationMs);
            const f = await load(viaFloor, c, durationMs, [floors[upstream]!.pid]);
            per.push({ d, g, u, f });
          }
          const row = {
            upstream,
            era,
            auth: authKind,
            concurrency: c,
            direct_rps: Math.round(median(per.map((p) => p.d.rps))),
            gateway_rps: Math.round(median(per.map((p) => p.g.rps))),
            ratio: median(per.map((p) => p.g.rps / p.d.rps)),
            added_p50_ms: median(per.map((p) => p.g.p50 - p.d.p50)),
            added_p99_ms: median(per.map((p) => p.g.p99 - p.d.p99)),
            limiter_on_vs_off: median(per.map((p) => p.g.rps / p.u.rps)),
            floor_ratio: median(per.map((p) => p.f.rps / p.d.rps)),
            gateway_vs_floor: median(per.map((p) => p.g.rps / p.f.rps)),
            floor_added_p50_ms: median(per.map((p) => p.f.p50 - p.d.p50)),
            floor_cpu_us: median(per.map((p) => p.f.cpuUs[0]!)),
            // Gateway and upstream share a core, so the ratio is about upstream ÷ (upstream + gateway) CPU.
            gateway_cpu_us: median(per.map((p) => p.g.cpuUs[0]!)),
            // redis-server runs on the load generator's core; its share is the other half of the Redis round trip.
            redis_cpu_us: median(per.map((p) => p.g.cpuUs[2]!)),
            upstream_cpu_us_direct: median(per.map((p) => p.d.cpuUs[0]!)),
            upstream_cpu_us_via_gateway: median(per.map((p) => p.g.cpuUs[1]!)),
            errors: per.reduce((n, p) => n + p.d.errors + p.g.errors + p.u.errors + p.f.errors, 0),
            first_error: per
              .flatMap((p) => [p.d.firstError, p.g.firstError, p.u.firstError, p.f.firstError])
              .find(Boolean),
          };
          rows.push(row);
          console.log(JSON.stringify(row));
        }
      }
    }
  }

  // Memory: legacy sessions opened through the gateway (each initialize + one tools/call), kept open.
  // RSS is read once it has stopped falling: V8 returns the young generation it grew for a burst only
  // after its memory reducer runs, and that transient garbage is not what open sessions hold.
  const pid = gatewayPid;
  const memoryTool = upstreams[0] === 'v1' ? 'v1_echo' : 'bench_echo';
  const idle = await settledRssKiB(pid);
  const cpuBeforeSessions = cpuTimeUs(pid);
  for (let batch = 0; batch < sessionCount; batch += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, sessionCount - batch) }, async () => {
        const t = await legacyCall(limited.url, memoryTool, auth);
        const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body });
        await res.text();
      }),
    );
  }
  const sessionCpuUs = (cpuTimeUs(pid) - cpuBeforeSessions) / Math.max(sessionCount, 1);
  const after = await settledRssKiB(pid);

  const us = (v: unknown) => (Number.isNaN(v) ? 'n/a' : String(Math.round(v as number)));
  const fixed = (v: unknown) => (v as number).toFixed(2);
  console.log(
    '\n| upstream | era | auth | concurrency | direct req/s | gateway req/s | gateway ÷ direct | floor ÷ direct | gateway ÷ floor | added p50 (ms) | floor added p50 (ms) | added p99 (ms) | limiter on ÷ off | gateway CPU/call (µs) | floor CPU/call (µs) | redis CPU/call (µs) | upstream CPU/call direct / via gateway (µs) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r['upstream']} | ${r['era']} | ${r['auth']} | ${r['concurrency']} | ${r['direct_rps']} | ${r['gateway_rps']} | ${fixed(r['ratio'])} | ${fixed(r['floor_ratio'])} | ${fixed(r['gateway_vs_floor'])} | ${fixed(r['added_p50_ms'])} | ${fixed(r['floor_added_p50_ms'])} | ${fixed(r['added_p99_ms'])} | ${fixed(r['limiter_on_vs_off'])} | ${us(r['gateway_cpu_us'])} | ${us(r['floor_cpu_us'])} | ${us(r['redis_cpu_us'])} | ${us(r['upstream_cpu_us_direct'])} / ${us(r['upstream_cpu_us_via_gateway'])} |`,
    );
  }
  console.log(
    `\nGateway RSS: idle ${(idle / 1024).toFixed(1)} MiB, after ${sessionCount} legacy sessions ${(after / 1024).toFixed(1)} MiB (+${((after - idle) / 1024).toFixed(1)} MiB)`,
  );
  console.log(
    `Gateway CPU per session opened (initialize, notifications/initialized, one tools/call): ${Math.round(sessionCpuUs)} µs`,
  );
  const out = args.get('json');
  if (out) writeFileSync(out, JSON.stringify({ rows, rssIdleKiB: idle, rssAfterKiB: after, sessionCpuUs }, null, 2));
  // Wait for the replicas to drain and exit: a CPU profile is written on exit.
  await stopChildren();
  await redis.stop();
  if (cpuProfDir !== undefined) writeFileSync(`${cpuProfDir}/windows.json`, JSON.stringify(profileWindows));
}

main().catch((error) => {
  console.error(error);
  killChildren();
  process.exit(1);
});
