/**
 * `npm run soak`: the whole system under sustained mixed load, with faults injected mid-run, then the books.
 *
 * Processes: its own `redis-server` (append-only, fsync every second, so a SIGKILL loses what production
 * would), two gateway replicas and the three tool servers (blotato, gmail, drive) as child processes; the fake
 * Blotato and fake Google run in this process. Load, all on loopback, bounded in time, stopping by itself:
 *
 * - bulk: raw HTTP `tools/call` (2026-07-28 era) on every server, round robin over both replicas;
 * - correctness share: SDK v2 clients (`tools/list` + `tools/call`), 2025-era sessions opened with the SDK v1
 *   on one replica and used alternately on both, idempotent Blotato publishes (the fake counts posts),
 *   OAuth access tokens refreshed in a loop, admin key rotations and revocations checked on the other replica,
 *   and a rate-limited key whose admitted calls are counted per window.
 *
 * Faults (full run): Redis SIGKILLed and restarted, the blotato tool server SIGKILLed and restarted, replica B
 * SIGKILLed and restarted while A keeps serving, Redis made slow (`DEBUG SLEEP`). Then: 10,000 generated bad
 * requests (test/fuzz), a scan of every Redis key and value and every log line for the secrets issued during the
 * run, RSS, open descriptors and child processes of every process at start and end. One table, also as JSON.
 *
 *   npm run soak                          # 10 minutes, faults, full fuzz
 *   npm run soak -- --quick               # ≈ 40 s: the same books, shorter load, no faults, a small fuzz
 *   npm run soak -- --duration 120 --concurrency 48 --json soak.json
 *   npm run soak -- --duration 60 --faults false --cpu-prof prof/   # V8 profile of replica A, then:
 *   node --import @switchboard/ts-runtime/register test/soak/cpu-profile-summary.ts prof/*.cpuprofile
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readToolError } from '@switchboard/errors';
import { closeRedis, createRedis } from '@switchboard/redis';
import { freePort, startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
import type { Redis } from 'ioredis';
import { Pool } from 'undici';
import { BLOTATO_DOCUMENTED_LIMITS, type FakeRoute, startFakeBlotato } from '../fakes/blotato/index.ts';
import { startFakeGoogle } from '../fakes/google/index.ts';
import { CLAUDE_CALLBACK, consentOverHttp, postForm, registerPublicClient } from '../flows/oauth-harness.ts';
import { runGatewayFuzz } from '../fuzz/gateway-fuzz.ts';
import { MODERN_ENVELOPE } from '../support/mcp-requests.ts';

export interface SoakOptions {
  durationS: number;
  /** Raw HTTP workers (closed loop: each sends its next call when the last one is answered). */
  concurrency: number;
  faults: boolean;
  fuzzRuns: number;
  /** Write a V8 CPU profile of gateway replica A into this directory (written when it exits). */
  cpuProfileDir?: string;
  log?: (line: string) => void;
}

interface Proc {
  name: string;
  pid: () => number | undefined;
  output: () => string;
  /** Non-zero exits, signals included, that the soak did not cause. */
  crashes: number;
  /** Times started; a restarted process is a new one, so its start and end samples are not compared. */
  starts: number;
}

interface Sample {
  rssKb: number;
  fds: number;
  children: number;
  /** CPU time used so far (user + system), seconds: where the machine's two cores went. */
  cpuS: number;
}

export interface FaultReport {
  fault: string;
  /** Non-deliberate errors seen from its start until recovery. */
  errors: number;
  /** From the fault being lifted (process restarted, Redis awake) to the first call served again. */
  recoveryMs: number;
  /** Errors on paths the fault should not touch (e.g. replica A while B is down). */
  collateralErrors: number;
  note: string;
}

export interface SoakReport {
  options: Omit<SoakOptions, 'log'>;
  durationMs: number;
  calls: { total: number; ok: number; refused: number; errors: number; perSecond: number };
  latencyMs: { p50: number; p99: number; max: number };
  /** Per tool of the bulk mix: calls and median latency (where the time goes). */
  byTool: Record<string, { calls: number; p50Ms: number }>;
  errorSamples: string[];
  sdk: { v2Calls: number; v1Calls: number; v1Sessions: number; lostSessions: number; errors: number };
  blotato: { publishes: number; upstreamPosts: number; doublePosts: number; lostPosts: number };
  oauth: { refreshes: number; errors: number };
  admin: { rotations: number; revocations: number; maxPropagationMs: number; errors: number };
  /** Counted where the calls land (the echo upstream, per caller key and second), and as the driver saw them. */
  limitedKey: { limitPerWindow: number; maxAdmittedInWindow: number; windows: number; maxAnsweredInWindow: number };
  faults: FaultReport[];
  fuzz: { runs: number; violations: number; storeChanges: number; byStatus: Record<string, number> };
  secrets: { issued: number; foundInRedis: number; foundInLogs: number; where: string[] };
  processes: {
    name: string;
    start: Sample;
    end: Sample;
    rssChangePct: number;
    /** Lower envelope of the RSS timeline (its minimum, i.e. after collections), last third against first. */
    rssFloorChangePct: number | null;
    restarted: boolean;
  }[];
  soakProcess: { start: Sample; end: Sample };
  /** RSS of each process every 30 s of the load, MB: a plateau is a heap settling, a slope is a leak. */
  rssTimelineMb: Record<string, number[]>;
  crashes: number;
  checks: { name: string; value: string; requirement: string; ok: boolean }[];
}

const SECRET = 'soak-assertion-secret-0123456789abcdef';
const SESSION_SECRET = 'soak-session-secret-0123456789abcdefgh';
const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';
const LIMITED = { limit: 20, window_s: 1 };

function sample(pid: number | undefined): Sample {
  if (pid === undefined) return { rssKb: 0, fds: 0, children: 0, cpuS: 0 };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const own = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = own.slice(own.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat, 12 and 13 after the command) in clock ticks of 1/100 s.
    const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
    let children = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // Field 4 (after the parenthesised command, which may hold spaces) is the parent pid.
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children++;
      } catch {
        // The process ended while we looked.
      }
    }
    return { rssKb, fds, children, cpuS };
  } catch {
    return { rssKb: 0, fds: 0, children: 0, cpuS: 0 };
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** A child Node process of this repository (gateway or tool server) that can be SIGKILLed and started again. */
function nodeProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  readyUrl: string,
  args: string[] = [],
  nodeFlags: string[] = [],
) {
  let child: ChildProcess | undefined;
  let output = '';
  let expectedExit = false;
  const proc: Proc & { start(): Promise<void>; kill(): Promise<void>; stop(): Promise<void> } = {
    name,
    crashes: 0,
    starts: 0,
    pid: () => child?.pid,
    output: () => output,
    async start() {
      expectedExit = false;
      proc.starts++;
      const started = spawn(process.execPath, [...nodeFlags, ...typeScriptNodeFlags, script, ...args], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      started.stdout?.on('data', (d) => {
        output += d;
      });
      started.stderr?.on('data', (d) => {
        output += d;
      });
      started.on('exit', (code, signal) => {
        if (!expectedExit) {
          proc.crashes++;
          output += `\n[soak] ${name} exited unexpectedly: code ${code} signal ${signal}\n`;
        }
      });
      try {
        await waitFor(`${name} (${readyUrl})`, async () => (await fetch(readyUrl)).status < 500);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${output.slice(-2_000)}`);
      }
    },
    async kill() {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      expectedExit = true;
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    },
    async stop() {
      const running = child;
      if (running === undefined || running.exitCode !== null) return;
      expectedExit = true;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => running.kill('SIGKILL'), 10_000);
        running.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        running.kill('SIGTERM');
      });
    },
  };
  return proc;
}

interface CallOutcome {
  kind: 'ok' | 'refused' | 'error';
  detail: string;
}

/** Reads a tools/call answer: a result, a deliberate refusal (rate limit, budget) or an error. */
function classify(status: number, text: string): CallOutcome {
  if (status === 429) return { kind: 'refused', detail: '429' };
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'error', detail: `${status} ${text.slice(0, 120)}` };
  }
  if (status !== 200 || body.error !== undefined)
    return { kind: 'error', detail: `${status} ${JSON.stringify(body.error ?? body).slice(0, 160)}` };
  const result = body.result;
  if (result?.isError === true) {
    const code = readToolError(result)?.code;
    const sentence = JSON.stringify(result.content ?? '').slice(0, 160);
    if (code === 'RATE_LIMITED') return { kind: 'refused', detail: code };
    return { kind: 'error', detail: `tool error ${code ?? ''} ${sentence}` };
  }
  return { kind: 'ok', detail: '' };
}

function modernBody(tool: string, args: Record<string, unknown>, id: number): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: tool, arguments: args, _meta: MODERN_ENVELOPE },
  });
}

function modernHeaders(token: string, tool: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': tool,
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const secrets = new Set<string>();
  const toStop: (() => Promise<void>)[] = [];

  const redis: TestRedisServer = await startRedisServer({ persist: 'everysec' });
  toStop.push(() => redis.stop());
  const huge = Object.fromEntries(Object.keys(BLOTATO_DOCUMENTED_LIMITS).map((route) => [route, 1_000_000_000]));
  const blotatoFake = await startFakeBlotato({
    limits: huge as Partial<Record<FakeRoute, number>>,
    windowMs: 60_000,
    publishDelayMs: 0,
  });
  toStop.push(() => blotatoFake.close());
  const google = await startFakeGoogle();
  toStop.push(() => google.close());
  const googleRefresh = google.issueRefreshToken(google.accounts.alice.email, [
    google.scopes.gmailReadonly,
    google.scopes.driveReadonly,
  ]);
  secrets.add(googleRefresh);

  const [blotatoPort, gmailPort, drivePort, gwA, gwB, adminA, adminB, echoPort] = (await Promise.all(
    Array.from({ length: 8 }, () => freePort()),
  )) as [number, number, number, number, number, number, number, number];
  const profileFlags =
    options.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir];
  const toolEnv = {
    REDIS_URL: redis.url,
    CALLER_ASSERTION_SECRET: SECRET,
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    GATEWAY_PUBLIC_URL: `http://localhost:${gwA}`,
  };
  const googleEnv = {
    GOOGLE_TOKEN_URL: `${google.url}/token`,
    GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_REFRESH_TOKEN: googleRefresh,
  };
  // Budgets far above the load, so every refusal the books count is one of the run's own making (the limited key).
  const roomy = { limit: 10_000_000, intervalMs: 60_000 };
  const blotato = nodeProcess(
    'mcp-blotato',
    'apps/mcp-blotato/src/main.ts',
    {
      ...toolEnv,
      BLOTATO_PORT: String(blotatoPort),
      BLOTATO_API_KEY: blotatoFake.apiKey,
      BLOTATO_BASE_URL: blotatoFake.url,
      BLOTATO_BUDGETS: JSON.stringify(
        Object.fromEntries(
          ['post_create', 'post_status', 'post_list', 'media_import', 'media_upload', 'other'].map((b) => [b, roomy]),
        ),
      ),
    },
    `http://127.0.0.1:${blotatoPort}/readyz`,
  );
  const gmail = nodeProcess(
    'mcp-gmail',
    'apps/mcp-gmail/src/main.ts',
    {
      ...toolEnv,
      ...googleEnv,
      GMAIL_PORT: String(gmailPort),
      GMAIL_BASE_URL: google.url,
      GMAIL_USER_QUOTA_PER_MIN: '100000000',
    },
    `http://127.0.0.1:${gmailPort}/readyz`,
  );
  const drive = nodeProcess(
    'mcp-drive',
    'apps/mcp-drive/src/main.ts',
    {
      ...toolEnv,
      ...googleEnv,
      DRIVE_PORT: String(drivePort),
      DRIVE_BASE_URL: google.url,
      DRIVE_USER_QUOTA_PER_MIN: '100000000',
    },
    `http://127.0.0.1:${drivePort}/readyz`,
  );
  // A plain SDK v2 echo server beside our three: the bulk of the raw load goes there, so the figure measures
  // the gateway's path rather than the upstream governors, which pace each upstream account on purpose.
  const echo = nodeProcess('echo-upstream', 'test/fixtures/echo-upstream.ts', {}, `http://127.0.0.1:${echoPort}/mcp`, [
    '--port',
    String(echoPort),
  ]);
  const upstreams = [
    { name: 'echo', url: `http://127.0.0.1:${echoPort}/mcp` },
    { name: 'blotato', url: `http://127.0.0.1:${blotatoPort}/mcp` },
    { name: 'gmail', url: `http://127.0.0.1:${gmailPort}/mcp` },
    { name: 'drive', url: `http://127.0.0.1:${drivePort}/mcp` },
  ];
  const gatewayEnv = (port: number, adminPort: number) => ({
    REDIS_URL: redis.url,
    GATEWAY_PORT: String(port),
    GATEWAY_ADMIN_PORT: String(adminPort),
    GATEWAY_PUBLIC_URL: `http://127.0.0.1:${gwA}`,
    GATEWAY_UPSTREAMS: JSON.stringify(upstreams),
    CALLER_ASSERTION_SECRET: SECRET,
    GATEWAY_SESSION_SECRET: SESSION_SECRET,
    GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEWAY_REPLICAS: '2',
    GATEWAY_DEFAULT_LIMITS: JSON.stringify({ key: { limit: 1_000_000, window_s: 60, burst: 100_000 } }),
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
  });
  const replicas = [
    nodeProcess(
      'gateway-a',
      'apps/gateway/src/main.ts',
      gatewayEnv(gwA, adminA),
      `http://127.0.0.1:${gwA}/healthz`,
      [],
      profileFlags,
    ),
    nodeProcess('gateway-b', 'apps/gateway/src/main.ts', gatewayEnv(gwB, adminB), `http://127.0.0.1:${gwB}/healthz`),
  ] as const;
  const procs = [blotato, gmail, drive, echo, ...replicas];
  const stopAll = async () => {
    for (const p of procs) await p.stop();
    for (const stop of toStop) await stop().catch(() => {});
  };
  try {
    await Promise.all([blotato, gmail, drive, echo].map((p) => p.start()));
    await Promise.all(replicas.map((p) => p.start()));
  } catch (error) {
    await stopAll();
    throw error;
  }
  toStop.unshift(async () => {
    await Promise.all(
      procs.map(async (p) => {
        const t0 = Date.now();
        await p.stop();
        log(`  stopped ${p.name} in ${Date.now() - t0} ms`);
      }),
    );
  });
  const mcpUrl = [`http://127.0.0.1:${gwA}/mcp`, `http://127.0.0.1:${gwB}/mcp`];
  const adminUrl = [`http://127.0.0.1:${adminA}/admin/v1`, `http://127.0.0.1:${adminB}/admin/v1`];

  const report: SoakReport = {
    options: {
      durationS: options.durationS,
      concurrency: options.concurrency,
      faults: options.faults,
      fuzzRuns: options.fuzzRuns,
    },
    durationMs: 0,
    calls: { total: 0, ok: 0, refused: 0, errors: 0, perSecond: 0 },
    latencyMs: { p50: 0, p99: 0, max: 0 },
    byTool: {},
    errorSamples: [],
    sdk: { v2Calls: 0, v1Calls: 0, v1Sessions: 0, lostSessions: 0, errors: 0 },
    blotato: { publishes: 0, upstreamPosts: 0, doublePosts: 0, lostPosts: 0 },
    oauth: { refreshes: 0, errors: 0 },
    admin: { rotations: 0, revocations: 0, maxPropagationMs: 0, errors: 0 },
    limitedKey: { limitPerWindow: LIMITED.limit, maxAdmittedInWindow: 0, windows: 0, maxAnsweredInWindow: 0 },
    faults: [],
    fuzz: { runs: 0, violations: 0, storeChanges: 0, byStatus: {} },
    secrets: { issued: 0, foundInRedis: 0, foundInLogs: 0, where: [] },
    processes: [],
    soakProcess: { start: sample(process.pid), end: sample(process.pid) },
    rssTimelineMb: {},
    crashes: 0,
    checks: [],
  };
  const errorSample = (where: string, detail: string) => {
    if (report.errorSamples.length < 25)
      report.errorSamples.push(`${Math.round((Date.now() - started) / 1000)} s ${where}: ${detail}`);
  };

  const admin = async (replica: number, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${adminUrl[replica]}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as any;
    if (response.status >= 300) throw new Error(`admin ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const createKey = async (name: string, extra: Record<string, unknown> = {}) => {
    const created = await admin(0, 'POST', '/keys', { name, scopes: ['*'], ...extra });
    secrets.add(created.token);
    return { id: created.key?.id ?? created.id, token: created.token as string };
  };

  try {
    log(`  processes up at ${Math.round((Date.now() - started) / 1000)} s`);
    // ---- identities ------------------------------------------------------------------------------------------
    const bulkKeys = await Promise.all(Array.from({ length: 4 }, (_, i) => createKey(`soak bulk ${i}`)));
    const limitedKey = await createKey('soak limited', { limits: { key: LIMITED } });
    // OAuth: register as Claude does, consent with a team key, exchange the code (PKCE S256).
    const oauthKey = await createKey('soak oauth');
    const base = `http://127.0.0.1:${gwA}`;
    const clientId = await registerPublicClient(base);
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${base}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: CLAUDE_CALLBACK,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: `${base}/mcp`,
      scope: 'mcp',
      state: 'soak',
    }))
      authorize.searchParams.set(k, v);
    const consent = await consentOverHttp(authorize, oauthKey.token);
    const code = consent.location?.searchParams.get('code');
    if (code === null || code === undefined)
      throw new Error(`consent gave no code: ${consent.status} ${consent.html?.slice(0, 300)}`);
    const exchanged = await postForm(`${base}/token`, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: clientId,
      redirect_uri: CLAUDE_CALLBACK,
      resource: `${base}/mcp`,
    });
    let tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
    if (tokens.access_token === undefined) throw new Error(`token exchange failed: ${JSON.stringify(tokens)}`);
    secrets.add(tokens.access_token);
    secrets.add(tokens.refresh_token);

    // ---- load ------------------------------------------------------------------------------------------------
    const pools = mcpUrl.map(
      (u) => new Pool(new URL(u).origin, { connections: Math.max(4, options.concurrency + BLOTATO_WORKERS) }),
    );
    const durationMs = options.durationS * 1000;
    const loadStart = Date.now();
    const deadline = loadStart + durationMs;
    const latencies: number[] = [];
    const toolLatencies: Record<string, number[]> = {};
    /** Outcome timeline for fault accounting: [time, replica, upstream, kind]. */
    const timeline: [number, number, string, CallOutcome['kind']][] = [];
    const echoCall = { tool: 'echo_echo', upstream: 'echo', args: { text: 'soak' } };
    const bulk = [
      echoCall,
      { tool: 'gmail_list_labels', upstream: 'gmail', args: {} },
      echoCall,
      { tool: 'drive_search_files', upstream: 'drive', args: { query: 'report' } },
      echoCall,
      echoCall,
    ];
    // Blotato's calls wait in its governor's queue (its documented per-route limits): on workers of their own,
    // so a closed loop shared with the other tools is not paced by that queue instead of by the machine.
    const blotatoCalls = [{ tool: 'blotato_list_accounts', upstream: 'blotato', args: {} }];
    /** While replica B is down on purpose, the bulk load stays on A (a load balancer would do the same). */
    const replicaDown = [false, false];
    let nextCall = 0;
    const worker = async (w: number, calls: typeof bulk) => {
      while (Date.now() < deadline) {
        const n = nextCall++;
        const call = calls[n % calls.length]!;
        let replica = (n >> 2) % 2;
        if (replicaDown[replica]) replica = 1 - replica;
        const key = bulkKeys[w % bulkKeys.length]!;
        const t0 = performance.now();
        let outcome: CallOutcome;
        try {
          const response = await pools[replica]!.request({
            path: '/mcp',
            method: 'POST',
            headers: modernHeaders(key.token, call.tool),
            body: modernBody(call.tool, call.args, n),
            headersTimeout: 30_000,
            bodyTimeout: 30_000,
          });
          outcome = classify(response.statusCode, await response.body.text());
        } catch (error) {
          outcome = { kind: 'error', detail: error instanceof Error ? error.message : String(error) };
        }
        const took = performance.now() - t0;
        latencies.push(took);
        const forTool = toolLatencies[call.tool] ?? [];
        forTool.push(took);
        toolLatencies[call.tool] = forTool;
        report.calls.total++;
        report.calls[outcome.kind === 'ok' ? 'ok' : outcome.kind === 'refused' ? 'refused' : 'errors']++;
        timeline.push([Date.now(), replica, call.upstream, outcome.kind]);
        if (outcome.kind === 'error') {
          errorSample(`${call.tool} on ${replica === 0 ? 'A' : 'B'}`, outcome.detail);
          // An error is answered fast (connection refused): do not spin on a dead replica.
          await sleep(20);
        }
      }
    };

    // SDK v2 clients: tools/list and tools/call, alternating replicas.
    const sdkV2 = async () => {
      let i = 0;
      while (Date.now() < deadline) {
        const url = mcpUrl[i++ % 2]!;
        if (replicaDown[(i - 1) % 2]) {
          await sleep(100);
          continue;
        }
        try {
          const client = new ClientV2({ name: 'soak-v2', version: '1' }, { versionNegotiation: { mode: 'auto' } });
          await client.connect(
            new TransportV2(new URL(url), {
              requestInit: { headers: { authorization: `Bearer ${bulkKeys[0]!.token}` } },
            }),
          );
          const { tools } = await client.listTools();
          if (!tools.some((t) => t.name === 'drive_search_files'))
            throw new Error('tools/list lacks drive_search_files');
          const result = await client.callTool({ name: 'gmail_list_labels', arguments: {} });
          if (result.isError === true) throw new Error(`v2 call: ${JSON.stringify(result.content).slice(0, 160)}`);
          report.sdk.v2Calls++;
          await client.close();
        } catch (error) {
          report.sdk.errors++;
          errorSample('sdk v2', error instanceof Error ? error.message : String(error));
        }
        await sleep(200);
      }
    };

    // 2025-era sessions: opened on A with the SDK v1, then used alternately on A and B under the same id.
    const v1Sessions: { sessionId: string; clients: [ClientV1, ClientV1] }[] = [];
    for (let s = 0; s < 4; s++) {
      const headers = { authorization: `Bearer ${bulkKeys[1]!.token}` };
      const first = new TransportV1(new URL(mcpUrl[0]!), { requestInit: { headers } });
      const a = new ClientV1({ name: 'soak-v1', version: '1' });
      await a.connect(first);
      const sessionId = first.sessionId;
      if (sessionId === undefined) throw new Error('no 2025-era session id');
      const b = new ClientV1({ name: 'soak-v1', version: '1' });
      // Same session id on the other replica: the SDK then reconnects without initializing again.
      await b.connect(new TransportV1(new URL(mcpUrl[1]!), { requestInit: { headers }, sessionId }));
      v1Sessions.push({ sessionId, clients: [a, b] });
    }
    report.sdk.v1Sessions = v1Sessions.length;
    const sdkV1 = async () => {
      let i = 0;
      while (Date.now() < deadline) {
        const session = v1Sessions[i % v1Sessions.length]!;
        const replica = Math.floor(i / v1Sessions.length) % 2;
        i++;
        if (replicaDown[replica]) {
          await sleep(100);
          continue;
        }
        try {
          const result = await session.clients[replica as 0 | 1].callTool({
            name: 'drive_search_files',
            arguments: { query: 'report' },
          });
          if (result.isError === true) throw new Error(JSON.stringify(result.content).slice(0, 160));
          report.sdk.v1Calls++;
        } catch (error) {
          report.sdk.errors++;
          errorSample(`sdk v1 on ${replica === 0 ? 'A' : 'B'}`, error instanceof Error ? error.message : String(error));
        }
        await sleep(100);
      }
    };

    // Idempotent publishes: each retried with its key until it is answered; the fake counts what it received.
    const publishKeys: string[] = [];
    const publisher = async () => {
      let i = 0;
      while (Date.now() < deadline) {
        const idem = randomUUID();
        publishKeys.push(idem);
        report.blotato.publishes++;
        const body = { account_id: '98432', platform: 'twitter', text: `soak ${idem}`, idempotency_key: idem };
        for (let attempt = 0; attempt < 50 && Date.now() < deadline + 30_000; attempt++) {
          const replica = replicaDown[i % 2] ? 1 - (i % 2) : i % 2;
          i++;
          try {
            const response = await fetch(mcpUrl[replica]!, {
              method: 'POST',
              headers: modernHeaders(bulkKeys[2]!.token, 'blotato_publish_post'),
              body: modernBody('blotato_publish_post', body, i),
            });
            const outcome = classify(response.status, await response.text());
            if (outcome.kind === 'ok') break;
          } catch {
            // Retried with the same idempotency key: that is the point.
          }
          await sleep(250);
        }
        await sleep(150);
      }
    };

    // OAuth: the access token serves calls; the refresh token rotates on every refresh, on either replica.
    const oauthLoop = async () => {
      let i = 0;
      while (Date.now() < deadline) {
        const replica = replicaDown[i % 2] ? 1 - (i % 2) : i % 2;
        i++;
        try {
          const refreshed = await postForm(`http://127.0.0.1:${replica === 0 ? gwA : gwB}/token`, {
            grant_type: 'refresh_token',
            refresh_token: tokens.refresh_token,
            client_id: clientId,
          });
          const next = (await refreshed.json()) as typeof tokens;
          if (refreshed.status !== 200) throw new Error(`refresh ${refreshed.status} ${JSON.stringify(next)}`);
          tokens = next;
          secrets.add(tokens.access_token);
          secrets.add(tokens.refresh_token);
          report.oauth.refreshes++;
          const response = await fetch(mcpUrl[1 - replica]!, {
            method: 'POST',
            headers: modernHeaders(tokens.access_token, 'gmail_list_labels'),
            body: modernBody('gmail_list_labels', {}, i),
          });
          const outcome = classify(response.status, await response.text());
          if (outcome.kind !== 'ok') throw new Error(`call with access token: ${outcome.detail}`);
        } catch (error) {
          report.oauth.errors++;
          errorSample('oauth', error instanceof Error ? error.message : String(error));
          // A refresh lost mid-flight (the replica was killed) uses the token up: re-authorize is the protocol.
        }
        await sleep(1_000);
      }
    };

    // Admin: rotate (no grace) on A, see the old secret refused on B; revoke on B, see the key refused on A.
    const refusedWithin = async (replica: number, token: string, ms: number) => {
      const t0 = Date.now();
      while (Date.now() - t0 < ms) {
        const response = await fetch(mcpUrl[replica]!, {
          method: 'POST',
          headers: modernHeaders(token, 'gmail_list_labels'),
          body: modernBody('gmail_list_labels', {}, 1),
        });
        await response.arrayBuffer();
        if (response.status === 401) return Date.now() - t0;
        await sleep(20);
      }
      return Number.POSITIVE_INFINITY;
    };
    const adminLoop = async () => {
      let i = 0;
      while (Date.now() < deadline) {
        i++;
        if (replicaDown[0] || replicaDown[1] || redisDown) {
          await sleep(200);
          continue;
        }
        try {
          const key = await createKey(`soak churn ${i}`);
          const rotated = await admin(0, 'POST', `/keys/${key.id}/rotate`, { grace_period_s: 0 });
          secrets.add(rotated.token);
          report.admin.rotations++;
          const afterRotation = await refusedWithin(1, key.token, 3_000);
          const revoked = admin(1, 'POST', `/keys/${key.id}/revoke`);
          await revoked;
          report.admin.revocations++;
          const afterRevocation = await refusedWithin(0, rotated.token, 3_000);
          report.admin.maxPropagationMs = Math.max(report.admin.maxPropagationMs, afterRotation, afterRevocation);
          if (!Number.isFinite(afterRotation) || !Number.isFinite(afterRevocation))
            throw new Error(`not refused within 3 s (rotation ${afterRotation}, revocation ${afterRevocation})`);
        } catch (error) {
          report.admin.errors++;
          errorSample('admin', error instanceof Error ? error.message : String(error));
        }
        await sleep(1_500);
      }
    };

    // The limited key: hammered from both replicas; admitted calls counted per window of its limit where they
    // arrive (the echo upstream), and the answers the driver got as a cross-check.
    const admittedAt: number[] = [];
    const limitedLoop = async () => {
      let i = 0;
      while (Date.now() < deadline) {
        const replica = replicaDown[i % 2] ? 1 - (i % 2) : i % 2;
        i++;
        try {
          const response = await pools[replica]!.request({
            path: '/mcp',
            method: 'POST',
            headers: modernHeaders(limitedKey.token, 'echo_echo'),
            body: modernBody('echo_echo', { text: 'limited' }, i),
          });
          if (classify(response.statusCode, await response.body.text()).kind === 'ok') admittedAt.push(Date.now());
        } catch {
          // Counted by the bulk load's books; here only admissions matter.
        }
        await sleep(10);
      }
    };

    // ---- faults ------------------------------------------------------------------------------------------------
    let redisDown = false;
    const firstServedAfter = (from: number, match: (replica: number, upstream: string) => boolean) => {
      const hit = timeline.find(([t, r, u, k]) => t >= from && k === 'ok' && match(r, u));
      return hit === undefined ? Number.POSITIVE_INFINITY : hit[0] - from;
    };
    const errorsBetween = (from: number, to: number, match: (replica: number, upstream: string) => boolean) =>
      timeline.filter(([t, r, u, k]) => t >= from && t <= to && k === 'error' && match(r, u)).length;
    const faultPlan = async () => {
      if (!options.faults) return;
      const at = (share: number) => sleep(Math.max(0, loadStart + durationMs * share - Date.now()));
      const settle = 8_000;

      await at(0.2);
      log('  fault: Redis SIGKILL, restart after 2 s');
      let t0 = Date.now();
      redisDown = true;
      await redis.kill();
      await sleep(2_000);
      await redis.start();
      const lifted = Date.now();
      redisDown = false;
      // Revocation must reach both replicas within 1 s of Redis being back.
      let revocationMs = Number.POSITIVE_INFINITY;
      try {
        const key = await createKey('soak after redis');
        await admin(1, 'POST', `/keys/${key.id}/revoke`);
        revocationMs = Math.max(await refusedWithin(0, key.token, 3_000), await refusedWithin(1, key.token, 3_000));
      } catch (error) {
        errorSample('revocation after redis', String(error));
      }
      await sleep(settle);
      report.faults.push({
        fault: 'Redis SIGKILL + restart',
        errors: errorsBetween(t0, Date.now(), () => true),
        recoveryMs: firstServedAfter(lifted, () => true),
        collateralErrors: 0,
        note: `revocation on both replicas ${Number.isFinite(revocationMs) ? `${revocationMs} ms` : 'NOT within 3 s'} after Redis returned`,
      });

      await at(0.4);
      log('  fault: blotato tool server SIGKILL, restart');
      t0 = Date.now();
      await blotato.kill();
      await sleep(1_000);
      await blotato.start();
      let lift = Date.now();
      await sleep(settle);
      report.faults.push({
        fault: 'mcp-blotato SIGKILL + restart',
        errors: errorsBetween(t0, Date.now(), (_r, u) => u === 'blotato'),
        recoveryMs: firstServedAfter(lift, (_r, u) => u === 'blotato'),
        collateralErrors: errorsBetween(t0, Date.now(), (_r, u) => u !== 'blotato'),
        note: 'gmail and drive calls meanwhile count as collateral',
      });

      await at(0.6);
      log('  fault: gateway replica B SIGKILL, restart');
      t0 = Date.now();
      replicaDown[1] = true;
      await replicas[1].kill();
      await sleep(1_000);
      await replicas[1].start();
      lift = Date.now();
      replicaDown[1] = false;
      await sleep(settle);
      report.faults.push({
        fault: 'gateway B SIGKILL + restart',
        errors: errorsBetween(t0, Date.now(), (r) => r === 1),
        recoveryMs: firstServedAfter(lift, (r) => r === 1),
        collateralErrors: errorsBetween(t0, Date.now(), (r) => r === 0),
        note: 'replica A kept serving; collateral = errors on A',
      });

      await at(0.8);
      log('  fault: Redis DEBUG SLEEP 3');
      t0 = Date.now();
      const slow = createRedis(redis.url, 'soak-fault');
      await slow.call('DEBUG', 'SLEEP', '3').catch(() => {});
      lift = Date.now();
      await closeRedis(slow);
      await sleep(settle);
      report.faults.push({
        fault: 'Redis slow (DEBUG SLEEP 3 s)',
        errors: errorsBetween(t0, Date.now(), () => true),
        recoveryMs: firstServedAfter(lift, () => true),
        collateralErrors: 0,
        note: '',
      });
    };

    // Warm up (JIT, pools, caches) before the start sample, so RSS compares steady state with steady state.
    await Promise.all(
      mcpUrl.map((u) =>
        fetch(u, {
          method: 'POST',
          headers: modernHeaders(bulkKeys[0]!.token, 'gmail_list_labels'),
          body: modernBody('gmail_list_labels', {}, 0),
        }).then((r) => r.arrayBuffer()),
      ),
    );
    // The start sample is taken once the load has warmed up (pools filled, JIT done): 10 % into the run, at
    // most a minute, so "flat" compares steady state with steady state.
    let startSamples = new Map<string, Sample>();
    let startCounts = new Map<string, number>();
    const takeStartSamples = sleep(Math.min(60_000, Math.max(3_000, durationMs / 10))).then(() => {
      startSamples = new Map(procs.map((p) => [p.name, sample(p.pid())]));
      startCounts = new Map(procs.map((p) => [p.name, p.starts]));
      startSamples.set('redis-server', sample(redis.pid));
      report.soakProcess.start = sample(process.pid);
    });
    let ticks = 0;
    const progress = setInterval(() => {
      const s = Math.round((Date.now() - loadStart) / 1000);
      if (ticks++ % 3 === 0) {
        for (const p of procs) {
          const line = report.rssTimelineMb[p.name] ?? [];
          line.push(Math.round(sample(p.pid()).rssKb / 1024));
          report.rssTimelineMb[p.name] = line;
        }
      }
      log(
        `  ${s} s: ${report.calls.total} calls (${Math.round(report.calls.total / Math.max(1, s))}/s), ${report.calls.errors} errors`,
      );
    }, 10_000);
    await Promise.all([
      ...Array.from({ length: options.concurrency }, (_, w) => worker(w, bulk)),
      ...Array.from({ length: BLOTATO_WORKERS }, (_, w) => worker(w, blotatoCalls)),
      sdkV2(),
      sdkV1(),
      publisher(),
      oauthLoop(),
      adminLoop(),
      limitedLoop(),
      faultPlan(),
      takeStartSamples,
    ]);
    clearInterval(progress);
    const loadMs = Date.now() - loadStart;

    // Every 2025-era session still serves on both replicas (none lost to the faults).
    for (const session of v1Sessions) {
      for (const client of session.clients) {
        try {
          const result = await client.callTool({ name: 'gmail_list_labels', arguments: {} });
          if (result.isError === true) throw new Error(JSON.stringify(result.content));
        } catch (error) {
          report.sdk.lostSessions++;
          errorSample('session lost', `${session.sessionId.slice(0, 12)}…: ${String(error)}`);
          break;
        }
      }
      for (const client of session.clients) await client.close().catch(() => {});
    }

    const endSamples = new Map(procs.map((p) => [p.name, sample(p.pid())]));
    endSamples.set('redis-server', sample(redis.pid));
    report.soakProcess.end = sample(process.pid);
    for (const [name, start] of startSamples) {
      const end = endSamples.get(name) ?? start;
      const proc = procs.find((p) => p.name === name);
      // Redis restarted by the fault plan is a new process too.
      const restarted = name === 'redis-server' ? options.faults : (proc?.starts ?? 0) > (startCounts.get(name) ?? 0);
      // The first sample is taken before the warm-up ends; the floor is compared from the second one on.
      const line = (report.rssTimelineMb[name] ?? []).slice(1);
      const third = Math.floor(line.length / 3);
      const floorOf = (part: number[]) => Math.min(...part);
      const rssFloorChangePct =
        third < 1
          ? null
          : ((floorOf(line.slice(-third)) - floorOf(line.slice(0, third))) / floorOf(line.slice(0, third))) * 100;
      report.processes.push({
        name,
        start,
        end,
        restarted,
        rssFloorChangePct,
        rssChangePct: start.rssKb === 0 ? 0 : ((end.rssKb - start.rssKb) / start.rssKb) * 100,
      });
    }
    for (const pool of pools) await pool.close();

    // ---- books -------------------------------------------------------------------------------------------------
    report.calls.perSecond = Math.round(report.calls.total / (loadMs / 1000));
    const sorted = latencies.sort((a, b) => a - b);
    report.latencyMs = {
      p50: Number(percentile(sorted, 0.5).toFixed(1)),
      p99: Number(percentile(sorted, 0.99).toFixed(1)),
      max: Number((sorted.at(-1) ?? 0).toFixed(1)),
    };
    for (const [tool, list] of Object.entries(toolLatencies)) {
      list.sort((a, b) => a - b);
      report.byTool[tool] = { calls: list.length, p50Ms: Number(percentile(list, 0.5).toFixed(1)) };
    }
    const posted = new Map<string, number>();
    for (const post of blotatoFake.state.posts) {
      const idem = /^soak (\S+)$/.exec(post.text)?.[1];
      if (idem !== undefined) posted.set(idem, (posted.get(idem) ?? 0) + 1);
    }
    report.blotato.upstreamPosts = [...posted.values()].reduce((a, b) => a + b, 0);
    report.blotato.doublePosts = [...posted.values()].filter((n) => n > 1).length;
    report.blotato.lostPosts = publishKeys.filter((k) => !posted.has(k)).length;
    const windows = new Map<number, number>();
    for (const t of admittedAt) {
      const w = Math.floor(t / (LIMITED.window_s * 1000));
      windows.set(w, (windows.get(w) ?? 0) + 1);
    }
    report.limitedKey.maxAnsweredInWindow = Math.max(0, ...windows.values());
    const arrivals = (await (await fetch(`http://127.0.0.1:${echoPort}/calls-by-key`)).json()) as Record<
      string,
      Record<string, number>
    >;
    const perSecond = Object.values(arrivals[limitedKey.id] ?? {});
    report.limitedKey.windows = perSecond.length;
    report.limitedKey.maxAdmittedInWindow = Math.max(0, ...perSecond);

    log(`  load done at ${Math.round((Date.now() - started) / 1000)} s; fuzzing`);
    const fuzz = await runGatewayFuzz({ runs: options.fuzzRuns });
    log(`  fuzz done at ${Math.round((Date.now() - started) / 1000)} s`);
    report.fuzz = {
      runs: fuzz.runs,
      violations: fuzz.violationCount,
      storeChanges: fuzz.storeChanges.length,
      byStatus: fuzz.byStatus,
    };

    // Secrets at rest and in logs: every value of every key, and every line every process wrote.
    const inspector: Redis = createRedis(redis.url, 'soak-inspector');
    const haystack: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await inspector.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        haystack.push(key);
        const type = await inspector.type(key);
        if (type === 'string') haystack.push((await inspector.get(key)) ?? '');
        else if (type === 'hash') haystack.push(JSON.stringify(await inspector.hgetall(key)));
        else if (type === 'list') haystack.push(JSON.stringify(await inspector.lrange(key, 0, -1)));
        else if (type === 'set') haystack.push(JSON.stringify(await inspector.smembers(key)));
        else if (type === 'zset') haystack.push(JSON.stringify(await inspector.zrange(key, 0, -1)));
        else if (type === 'stream') haystack.push(JSON.stringify(await inspector.xrange(key, '-', '+')));
      }
    } while (cursor !== '0');
    await closeRedis(inspector);
    const store = haystack.join('\n');
    const logs = procs.map((p) => p.output()).join('\n');
    report.secrets.issued = secrets.size;
    for (const secret of secrets) {
      if (store.includes(secret)) {
        report.secrets.foundInRedis++;
        report.secrets.where.push(`redis: ${secret.slice(0, 6)}…`);
      }
      if (logs.includes(secret)) {
        report.secrets.foundInLogs++;
        report.secrets.where.push(`logs: ${secret.slice(0, 6)}…`);
      }
    }
    report.crashes = procs.reduce((n, p) => n + p.crashes, 0);
    report.durationMs = Date.now() - started;
    report.checks = checksOf(report);
    return report;
  } finally {
    for (const stop of toStop) await stop().catch(() => {});
  }
}

export function checksOf(r: SoakReport): SoakReport['checks'] {
  const kept = r.processes.filter((p) => !p.restarted);
  const rss = r.processes.map(
    (p) =>
      `${p.name} ${Math.round(p.start.rssKb / 1024)}→${Math.round(p.end.rssKb / 1024)} MB${p.restarted ? ' (restarted)' : ''}`,
  );
  const fdGrowth = kept.map((p) => `${p.name} ${p.end.fds - p.start.fds}`);
  const childGrowth = kept.map((p) => p.end.children - p.start.children);
  const maxRss = Math.max(0, ...kept.map((p) => p.rssChangePct));
  const floors = kept
    .filter((p) => p.rssFloorChangePct !== null)
    .map((p) => `${p.name} ${(p.rssFloorChangePct ?? 0).toFixed(1)} %`);
  // Outside fault windows nothing may fail; inside them the faults' own errors are reported per fault.
  const faultErrors = r.faults.reduce((n, f) => n + f.errors, 0);
  return [
    {
      name: 'tools/call through both replicas',
      value: `${r.calls.total} (${r.calls.perSecond}/s), ${r.calls.ok} ok, ${r.calls.refused} refused`,
      requirement: '≥ 1,000/s, or the most this machine holds (reported)',
      ok: true,
    },
    {
      name: 'latency p50 / p99 / max',
      value: `${r.latencyMs.p50} / ${r.latencyMs.p99} / ${r.latencyMs.max} ms`,
      requirement: '(reported)',
      ok: true,
    },
    {
      name: 'errors that are not a deliberate refusal',
      value: `${r.calls.errors} (${faultErrors} inside fault windows)`,
      requirement: '0 outside fault windows',
      ok: r.calls.errors - faultErrors <= 0,
    },
    {
      name: 'SDK clients (v2 calls, v1 calls over sessions on both replicas)',
      value: `${r.sdk.v2Calls} v2, ${r.sdk.v1Calls} v1 over ${r.sdk.v1Sessions} sessions, ${r.sdk.errors} errors`,
      requirement: 'calls made; errors only in fault windows',
      ok: r.sdk.v2Calls > 0 && r.sdk.v1Calls > 0 && (r.options.faults || r.sdk.errors === 0),
    },
    {
      name: '2025-era sessions lost',
      value: String(r.sdk.lostSessions),
      requirement: '0',
      ok: r.sdk.lostSessions === 0,
    },
    {
      name: 'Blotato publishes: double / lost posts',
      value: `${r.blotato.publishes} publishes, ${r.blotato.upstreamPosts} posts, ${r.blotato.doublePosts} double, ${r.blotato.lostPosts} lost`,
      requirement: '0 double, 0 lost',
      ok: r.blotato.publishes > 0 && r.blotato.doublePosts === 0 && r.blotato.lostPosts === 0,
    },
    {
      name: 'OAuth refreshes (rotating refresh tokens)',
      value: `${r.oauth.refreshes}, ${r.oauth.errors} errors`,
      requirement: '> 0; errors only in fault windows',
      ok: r.oauth.refreshes > 0 && (r.options.faults || r.oauth.errors === 0),
    },
    {
      name: 'key rotation / revocation reaching the other replica',
      value: `${r.admin.rotations} / ${r.admin.revocations}, slowest ${r.admin.maxPropagationMs} ms, ${r.admin.errors} errors`,
      requirement: '≤ 1,000 ms',
      ok: r.admin.revocations > 0 && r.admin.maxPropagationMs <= 1_000 && r.admin.errors === 0,
    },
    {
      name: 'rate-limited key: most admitted in one window',
      value: `${r.limitedKey.maxAdmittedInWindow} per ${LIMITED.window_s} s over ${r.limitedKey.windows} windows at the upstream (driver saw ≤ ${r.limitedKey.maxAnsweredInWindow} answered)`,
      requirement: `≤ ${2 * r.limitedKey.limitPerWindow} (limit + one window's refill)`,
      ok: r.limitedKey.windows > 0 && r.limitedKey.maxAdmittedInWindow <= 2 * r.limitedKey.limitPerWindow,
    },
    ...r.faults.map((f) => ({
      name: `fault: ${f.fault}`,
      value: `${f.errors} errors, recovered in ${Number.isFinite(f.recoveryMs) ? `${f.recoveryMs} ms` : 'never'}, ${f.collateralErrors} collateral${f.note === '' ? '' : `; ${f.note}`}`,
      requirement: 'recovery ≤ 5 s, 0 collateral',
      ok: f.recoveryMs <= 5_000 && f.collateralErrors === 0 && !f.note.includes('NOT'),
    })),
    {
      name: 'bad input (generated requests)',
      value: `${r.fuzz.runs} requests, ${r.fuzz.violations} broken answers, ${r.fuzz.storeChanges} store changes`,
      requirement: '0 / 0',
      ok: r.fuzz.runs > 0 && r.fuzz.violations === 0 && r.fuzz.storeChanges === 0,
    },
    {
      name: 'secrets issued found in Redis / logs',
      value: `${r.secrets.issued} issued: ${r.secrets.foundInRedis} / ${r.secrets.foundInLogs}`,
      requirement: '0 / 0',
      ok: r.secrets.issued > 0 && r.secrets.foundInRedis === 0 && r.secrets.foundInLogs === 0,
    },
    {
      name: 'crashes of a process not killed on purpose',
      value: String(r.crashes),
      requirement: '0',
      ok: r.crashes === 0,
    },
    {
      name: 'RSS start → end',
      value: `${rss.join(', ')} (max ${maxRss.toFixed(1)} %)`,
      requirement: '(reported: one sample each, anywhere on the GC sawtooth)',
      ok: true,
    },
    {
      // Heaps swing by tens of MB between collections, so flatness is judged on the floor of the timeline.
      name: 'RSS floor, last third vs first third of the load',
      value: floors.length === 0 ? '(run too short)' : floors.join(', '),
      requirement: r.options.durationS >= 300 ? 'within ±10 %' : '(reported)',
      ok: r.options.durationS < 300 || kept.every((p) => Math.abs(p.rssFloorChangePct ?? 0) <= 10),
    },
    {
      name: 'CPU seconds during the load, per process',
      value: [
        ...r.processes.map((p) => `${p.name} ${(p.end.cpuS - p.start.cpuS).toFixed(0)}`),
        `soak driver (load + fakes) ${(r.soakProcess.end.cpuS - r.soakProcess.start.cpuS).toFixed(0)}`,
      ].join(', '),
      requirement: '(profile: where the cores went)',
      ok: true,
    },
    {
      name: 'open descriptors / child processes, growth',
      value: `fds ${fdGrowth.join(', ')}; children ${childGrowth.join(' ')}`,
      requirement: `no growth (fds ≤ +${r.options.concurrency + BLOTATO_WORKERS}: one pooled socket per raw worker)`,
      ok:
        kept.every((p) => p.end.fds - p.start.fds <= r.options.concurrency + BLOTATO_WORKERS) &&
        childGrowth.every((n) => n <= 0),
    },
    { name: 'run time', value: `${Math.round(r.durationMs / 1000)} s`, requirement: '(reported)', ok: true },
  ];
}

export function renderTable(r: SoakReport): string {
  const header = ['check', 'value', 'requirement', 'ok'];
  const cells = r.checks.map((c) => [c.name, c.value, c.requirement, c.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Closed-loop workers that call only Blotato (as many as sat in its queue on average when they shared the bulk's). */
const BLOTATO_WORKERS = 6;

export const QUICK: SoakOptions = { durationS: 12, concurrency: 16, faults: false, fuzzRuns: 300 };
export const FULL: SoakOptions = { durationS: 600, concurrency: 48, faults: true, fuzzRuns: 10_000 };

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      concurrency: { type: 'string' },
      faults: { type: 'string' },
      'fuzz-runs': { type: 'string' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string', default: 'soak-report.json' },
    },
  });
  const base = values.quick ? QUICK : FULL;
  const options: SoakOptions = {
    ...base,
    ...(values.duration === undefined ? {} : { durationS: Number(values.duration) }),
    ...(values.concurrency === undefined ? {} : { concurrency: Number(values.concurrency) }),
    ...(values.faults === undefined ? {} : { faults: values.faults !== 'false' }),
    ...(values['fuzz-runs'] === undefined ? {} : { fuzzRuns: Number(values['fuzz-runs']) }),
    ...(values['cpu-prof'] === undefined ? {} : { cpuProfileDir: values['cpu-prof'] }),
    log: (line) => console.log(line),
  };
  console.log(
    `soak: ${options.durationS} s, ${options.concurrency} raw workers, faults ${options.faults ? 'on' : 'off'}`,
  );
  const report = await runSoak(options);
  console.log(renderTable(report));
  if (report.errorSamples.length > 0) console.log(`error samples:\n  ${report.errorSamples.join('\n  ')}`);
  writeFileSync(values.json ?? 'soak-report.json', `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written: ${values.json}`);
  process.exit(report.checks.every((c) => c.ok) ? 0 : 1);
}
