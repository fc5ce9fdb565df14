/**
 * Many callers burst publishes at Blotato through several tool-server replicas sharing one Redis, against the
 * fake Blotato with Blotato's per-route limits. Checks what the governor and the idempotency store promise:
 *
 * - no upstream 429 once the governor is warm (at most one per route if the fake's window starts mid-burst)
 * - every accepted idempotency key has exactly one upstream post (no duplicate, no lost post)
 * - every deferred caller is told when to retry, and retries only after that time
 * - fairness between callers (Jain's index over admitted calls when half the posts are in, ≥ 0.9)
 *
 *   npm run simulate:blotato                  # 50 callers, 300 publishes within a minute, real limits (~12 min)
 *   npm run simulate:blotato -- --scale small # the same story with limits per 2 s (a few seconds)
 *
 * `--gateways N` (default 3 at full scale) puts N gateway replicas in front: callers then use team API keys
 * and `blotato_publish_post`, exactly as a team's assistants do; `--gateways 0` calls the tool servers.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { readToolError, type ToolError } from '@switchboard/errors';
import { buildBlotatoServer, loadBlotatoConfig } from '@switchboard/mcp-blotato';
import { closeRedis, createRedis } from '@switchboard/redis';
import { startRedisServer } from '@switchboard/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { loadGatewayConfig } from '../apps/gateway/src/config.ts';
import { createGateway, type Gateway } from '../apps/gateway/src/gateway.ts';
import { BLOTATO_DOCUMENTED_LIMITS, type FakeRoute, startFakeBlotato } from './fakes/blotato/index.ts';

export interface SimulationOptions {
  callers: number;
  publishes: number;
  /** Arrivals spread over this span: half the callers send all their posts at once, half one by one. */
  arrivalSpanMs: number;
  /** Blotato's limit window (60 s for real; shorter to compress time). */
  windowMs: number;
  /** Limits the fake enforces per window. */
  fakeLimits: Partial<Record<FakeRoute, number>>;
  replicas: number;
  /** The governor budget for post creation; default: the server's own (a margin under the documented limit). */
  postBudget?: { limit: number; intervalMs: number };
  maxWaitMs: number;
  /**
   * Gateway replicas in front of the tool servers (0 = callers reach the tool servers directly). Each
   * gateway is configured with one tool-server replica (round robin), as a load balancer would spread them;
   * every caller gets its own team API key, and calls go round robin over the gateways.
   */
  gateways?: number;
  /** Tool-server (or gateway) MCP URLs to spread calls over; absent → start `replicas` tool servers. */
  entryUrls?: string[];
  /** Headers identifying a caller at the entry URLs; default: a caller assertion for the tool server. */
  authHeaders?: (callerKey: string) => Promise<Record<string, string>>;
  /** Give up on the run after this long. */
  deadlineMs: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SimulationReport {
  options: Omit<SimulationOptions, 'authHeaders' | 'log'>;
  durationMs: number;
  accepted: number;
  gaveUp: number;
  upstreamPosts: number;
  duplicates: number;
  lost: number;
  orphans: number;
  deferrals: number;
  deferralsWithoutRetryTime: number;
  deferralReasons: Record<string, number>;
  retriesBeforeTold: number;
  upstream429s: Record<string, number>;
  /** 429s after the first full window of the run (the governor warm). */
  upstream429sWarm: number;
  maxPostsInAnyWindow: number;
  /** Jain's index over admitted calls per caller while every caller had posts waiting. */
  jainBacklogged: number;
  backloggedWindowMs: [number, number];
  backloggedAdmitted: number;
  /** Admitted calls per caller in that window, in caller order. */
  backloggedPerCaller: number[];
  /** Jain's index over the first half of the posts admitted (includes the arrival phase). */
  jainAtHalf: number;
  admissionLatencyMs: { p50: number; p95: number; max: number };
  retryAfterS: { min: number; max: number };
  errors: string[];
}

export const FULL_SCALE: SimulationOptions = {
  callers: 50,
  publishes: 300,
  arrivalSpanMs: 60_000,
  windowMs: 60_000,
  fakeLimits: BLOTATO_DOCUMENTED_LIMITS,
  replicas: 2,
  gateways: 3,
  maxWaitMs: 10_000,
  deadlineMs: 30 * 60_000,
};

/** Blotato's post limit scaled to 10 per second instead of 30 per minute: the same story in seconds. */
export const SMALL_SCALE: SimulationOptions = {
  callers: 6,
  publishes: 60,
  arrivalSpanMs: 1_000,
  windowMs: 1_000,
  fakeLimits: { 'POST /v2/posts': 10 },
  postBudget: { limit: 9, intervalMs: 1_000 },
  replicas: 2,
  gateways: 3,
  maxWaitMs: 1_000,
  deadlineMs: 60_000,
};

/**
 * The full-scale story with time compressed six-fold (Blotato's 30 posts per 10 s instead of per minute, the
 * wait bound likewise): about two minutes instead of twelve, for iterating on the governor.
 */
export const MEDIUM_SCALE: SimulationOptions = {
  ...FULL_SCALE,
  arrivalSpanMs: 10_000,
  windowMs: 10_000,
  postBudget: { limit: 27, intervalMs: 10_000 },
  maxWaitMs: 1_700,
  deadlineMs: 8 * 60_000,
};

const SECRET = 'sim-'.repeat(12);

interface Attempt {
  key: string;
  caller: string;
  text: string;
  firstTryAt: number;
  acceptedAt?: number;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const log = options.log ?? (() => {});
  const random = mulberry32(options.seed ?? 7);
  const errors: string[] = [];
  const fake = await startFakeBlotato({ limits: options.fakeLimits, windowMs: options.windowMs, publishDelayMs: 50 });
  const redisServer = options.entryUrls === undefined ? await startRedisServer() : undefined;
  const redisClients: Redis[] = [];
  const apps: FastifyInstance[] = [];
  let entryUrls = options.entryUrls;
  if (entryUrls === undefined && redisServer !== undefined) {
    entryUrls = [];
    for (let i = 0; i < options.replicas; i++) {
      const redis = createRedis(redisServer.url, `sim-replica-${i}`);
      redisClients.push(redis);
      const config = loadBlotatoConfig({
        CALLER_ASSERTION_SECRET: SECRET,
        BLOTATO_API_KEY: fake.apiKey,
        BLOTATO_BASE_URL: fake.url,
        GOVERNOR_MAX_WAIT_MS: String(options.maxWaitMs),
        LOG_LEVEL: 'silent',
        ...(options.postBudget === undefined
          ? {}
          : { BLOTATO_BUDGETS: JSON.stringify({ post_create: options.postBudget }) }),
      });
      const app = buildBlotatoServer(config, { redis });
      apps.push(app);
      entryUrls.push(`${await app.listen({ port: 0, host: '127.0.0.1' })}/mcp`);
    }
  }
  let urls = entryUrls ?? [];
  const signer = new CallerAssertionSigner({ secrets: [SECRET], ttlS: 3600 });
  let authHeaders =
    options.authHeaders ??
    (async (callerKey: string) => ({
      authorization: `Bearer ${await signer.sign({ keyId: callerKey, scopes: ['*'] }, 'blotato')}`,
    }));
  let toolName = 'publish_post';
  const gateways: Gateway[] = [];
  if ((options.gateways ?? 0) > 0 && redisServer !== undefined) {
    for (let i = 0; i < options.gateways!; i++) {
      const gateway = await createGateway(
        loadGatewayConfig({
          REDIS_URL: redisServer.url,
          GATEWAY_UPSTREAMS: JSON.stringify([{ name: 'blotato', url: urls[i % urls.length] }]),
          CALLER_ASSERTION_SECRET: SECRET,
          GATEWAY_SESSION_SECRET: SECRET,
          GATEWAY_ADMIN_TOKEN: SECRET,
          GATEWAY_REPLICAS: String(options.gateways),
          // Generous per-key limits: this run is about the shared upstream budget, not a key's own limits.
          GATEWAY_DEFAULT_LIMITS: JSON.stringify({ key: { limit: 100_000, window_s: 60 } }),
          LOG_LEVEL: 'silent',
        }),
      );
      gateways.push(gateway);
    }
    const gatewayUrls = [];
    for (const gateway of gateways)
      gatewayUrls.push(`${await gateway.publicApp.listen({ port: 0, host: '127.0.0.1' })}/mcp`);
    urls = gatewayUrls;
    // One team key per caller, created once: a caller's burst arrives concurrently, and a check-then-create
    // here would mint several keys for one caller (the governor would then see several callers).
    const tokens = new Map<string, Promise<string>>();
    authHeaders = async (callerKey: string) => {
      let token = tokens.get(callerKey);
      if (token === undefined) {
        token = gateways[0]!.keys
          .create({ name: callerKey, scopes: ['blotato_*'] }, { id: 'simulation' })
          .then((created) => created.token);
        tokens.set(callerKey, token);
      }
      return { authorization: `Bearer ${await token}` };
    };
    toolName = 'blotato_publish_post';
  }

  // One MCP session per caller and entry point, opened once even when a burst asks for it concurrently.
  const clients = new Map<string, Promise<Client>>();
  const clientFor = (caller: string, url: string): Promise<Client> => {
    const id = `${caller} ${url}`;
    let client = clients.get(id);
    if (client === undefined) {
      client = (async () => {
        const c = new Client({ name: 'simulate-blotato', version: '1' }, { versionNegotiation: { mode: 'auto' } });
        await c.connect(
          new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: await authHeaders(caller) } }),
        );
        return c;
      })();
      client.catch(() => clients.delete(id));
      clients.set(id, client);
    }
    return client;
  };

  const attempts: Attempt[] = [];
  let deferrals = 0;
  const deferralReasons: Record<string, number> = {};
  let deferralsWithoutRetryTime = 0;
  let retriesBeforeTold = 0;
  let gaveUp = 0;
  let nextUrl = 0;
  const retryAfters: number[] = [];
  const started = Date.now();
  const deadline = started + options.deadlineMs;

  const publish = async (caller: string, n: number) => {
    const key = randomUUID();
    const text = `sim ${caller} #${n} ${key}`;
    const attempt: Attempt = { key, caller, text, firstTryAt: Date.now() };
    attempts.push(attempt);
    let notBefore = 0;
    while (Date.now() < deadline) {
      if (Date.now() < notBefore) retriesBeforeTold++;
      const url = urls[nextUrl++ % urls.length] ?? '';
      let result: any;
      try {
        result = await (await clientFor(caller, url)).callTool({
          name: toolName,
          arguments: { account_id: '98432', platform: 'twitter', text, idempotency_key: key },
        });
      } catch (error) {
        errors.push(`${caller}: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(1000);
        continue;
      }
      if (result.isError !== true) {
        attempt.acceptedAt = Date.now();
        return;
      }
      const error: Partial<ToolError> = readToolError(result) ?? {};
      const retryAfterS = typeof error.retry_after_s === 'number' ? error.retry_after_s : undefined;
      if (error.code === 'RATE_LIMITED' || error.code === 'IN_PROGRESS' || error.code === 'OUTCOME_UNKNOWN') {
        if (error.code === 'RATE_LIMITED') {
          deferrals++;
          const reason = String(error.reason ?? 'upstream');
          deferralReasons[reason] = (deferralReasons[reason] ?? 0) + 1;
          if (retryAfterS === undefined || retryAfterS <= 0) deferralsWithoutRetryTime++;
          else retryAfters.push(retryAfterS);
        }
        // A caller comes back when told: at `retry_at` when given (exact), else after `retry_after_s`.
        const retryAt = typeof error.retry_at === 'string' ? Date.parse(error.retry_at) : Number.NaN;
        notBefore = Number.isNaN(retryAt) ? Date.now() + (retryAfterS ?? 1) * 1000 : retryAt;
        await sleep(Math.max(0, notBefore - Date.now()) + 1 + Math.floor(random() * 20));
        continue;
      }
      errors.push(`${caller}: ${error.code ?? 'error'} ${result.content?.[0]?.text ?? ''}`);
      gaveUp++;
      return;
    }
    gaveUp++;
  };

  const perCaller = distribute(options.publishes, options.callers);
  const work: Promise<void>[] = [];
  for (let c = 0; c < options.callers; c++) {
    const caller = `key_sim_${String(c).padStart(2, '0')}`;
    const count = perCaller[c] ?? 0;
    const bursty = c % 2 === 0;
    const burstAt = random() * options.arrivalSpanMs;
    for (let n = 0; n < count; n++) {
      const at = bursty ? burstAt : random() * options.arrivalSpanMs;
      work.push(sleep(at).then(() => publish(caller, n)));
    }
  }
  const progress = setInterval(
    () => {
      const done = attempts.filter((a) => a.acceptedAt !== undefined).length;
      log(
        `  ${Math.round((Date.now() - started) / 1000)} s: ${done}/${options.publishes} accepted, ${deferrals} deferrals`,
      );
    },
    Math.max(5_000, options.windowMs / 2),
  );
  await Promise.all(work);
  clearInterval(progress);
  const durationMs = Date.now() - started;

  // The books: what callers were told against what Blotato received.
  const upstreamByKey = new Map<string, number>();
  for (const post of fake.state.posts) {
    const key = /sim \S+ #\d+ (\S+)/.exec(post.text)?.[1];
    if (key !== undefined) upstreamByKey.set(key, (upstreamByKey.get(key) ?? 0) + 1);
  }
  const acceptedAttempts = attempts.filter((a) => a.acceptedAt !== undefined);
  const duplicates = [...upstreamByKey.values()].filter((n) => n > 1).length;
  const lost = acceptedAttempts.filter((a) => (upstreamByKey.get(a.key) ?? 0) === 0).length;
  const acceptedKeys = new Set(acceptedAttempts.map((a) => a.key));
  const orphans = [...upstreamByKey.keys()].filter((k) => !acceptedKeys.has(k)).length;

  const at429 = Object.values(fake.state.rateLimitedAt).flat();
  const upstream429sWarm = at429.filter((t) => t >= started + options.windowMs).length;
  const createdAt = fake.state.posts.map((p) => p.createdAt);

  // Fairness among callers competing for the budget (Jain's index over admitted calls per caller), counted
  // while every caller had posts waiting: from the last post's arrival until the first caller was done.
  // Before that, a caller may be served because nobody else (or none of its own posts) had asked yet,
  // which is not unfair.
  const callerNames = Array.from({ length: options.callers }, (_, c) => `key_sim_${String(c).padStart(2, '0')}`);
  const lastAccepted = new Map<string, number>();
  for (const a of attempts) {
    lastAccepted.set(a.caller, Math.max(lastAccepted.get(a.caller) ?? 0, a.acceptedAt ?? Number.POSITIVE_INFINITY));
  }
  const windowFrom = Math.max(...attempts.map((a) => a.firstTryAt));
  const windowTo = Math.min(...lastAccepted.values());
  const inWindow = new Map(callerNames.map((c) => [c, 0]));
  const atHalf = new Map(callerNames.map((c) => [c, 0]));
  const byTime = [...acceptedAttempts].sort((a, b) => (a.acceptedAt ?? 0) - (b.acceptedAt ?? 0));
  for (const a of byTime.slice(0, Math.ceil(options.publishes / 2)))
    atHalf.set(a.caller, (atHalf.get(a.caller) ?? 0) + 1);
  for (const a of acceptedAttempts) {
    const at = a.acceptedAt ?? 0;
    if (at >= windowFrom && at <= windowTo) inWindow.set(a.caller, (inWindow.get(a.caller) ?? 0) + 1);
  }
  const latencies = acceptedAttempts.map((a) => (a.acceptedAt ?? 0) - a.firstTryAt).sort((x, y) => x - y);

  for (const c of clients.values()) await c.then((client) => client.close()).catch(() => {});
  for (const gateway of gateways) await gateway.close();
  for (const app of apps) await app.close();
  for (const r of redisClients) await closeRedis(r);
  await redisServer?.stop();
  await fake.close();

  const { authHeaders: _a, log: _l, ...reported } = options;
  return {
    options: reported,
    durationMs,
    accepted: acceptedAttempts.length,
    gaveUp,
    upstreamPosts: fake.state.posts.length,
    duplicates,
    lost,
    orphans,
    deferrals,
    deferralsWithoutRetryTime,
    deferralReasons,
    retriesBeforeTold,
    upstream429s: { ...fake.state.rateLimited } as Record<string, number>,
    upstream429sWarm,
    maxPostsInAnyWindow: maxInWindow(createdAt, options.windowMs),
    jainBacklogged: jain([...inWindow.values()]),
    backloggedWindowMs: [windowFrom - started, windowTo - started],
    backloggedAdmitted: [...inWindow.values()].reduce((x, y) => x + y, 0),
    backloggedPerCaller: [...inWindow.values()],
    jainAtHalf: jain([...atHalf.values()]),
    admissionLatencyMs: {
      p50: percentile(latencies, 0.5),
      p95: percentile(latencies, 0.95),
      max: latencies.at(-1) ?? 0,
    },
    retryAfterS: { min: Math.min(...retryAfters, Number.POSITIVE_INFINITY), max: Math.max(...retryAfters, 0) },
    errors: errors.slice(0, 20),
  };
}

export interface Check {
  name: string;
  value: string;
  requirement: string;
  ok: boolean;
}

export function checksOf(r: SimulationReport): Check[] {
  const limit = r.options.fakeLimits['POST /v2/posts'] ?? Number.POSITIVE_INFINITY;
  const per429 = Object.values(r.upstream429s);
  const perPost = (r.deferrals / Math.max(1, r.options.publishes)).toFixed(2);
  const reasons = Object.entries(r.deferralReasons)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const retryRange = `${r.retryAfterS.min === Number.POSITIVE_INFINITY ? '-' : r.retryAfterS.min}–${r.retryAfterS.max}`;
  return [
    {
      name: 'publishes accepted',
      value: `${r.accepted}/${r.options.publishes}`,
      requirement: 'all',
      ok: r.accepted === r.options.publishes,
    },
    {
      name: 'upstream 429s (by route)',
      value:
        per429.length === 0
          ? '0'
          : Object.entries(r.upstream429s)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', '),
      requirement: '≤ 1 per route',
      ok: per429.every((n) => n <= 1),
    },
    {
      name: 'upstream 429s once warm',
      value: String(r.upstream429sWarm),
      requirement: '0',
      ok: r.upstream429sWarm === 0,
    },
    {
      name: 'max posts created in any window',
      value: `${r.maxPostsInAnyWindow} per ${r.options.windowMs / 1000} s`,
      requirement: `≤ ${limit} (Blotato's limit)`,
      ok: r.maxPostsInAnyWindow <= limit,
    },
    { name: 'duplicate upstream posts', value: String(r.duplicates), requirement: '0', ok: r.duplicates === 0 },
    { name: 'lost posts (accepted, not upstream)', value: String(r.lost), requirement: '0', ok: r.lost === 0 },
    { name: 'upstream posts without an accepted key', value: String(r.orphans), requirement: '0', ok: r.orphans === 0 },
    {
      name: 'deferrals (RATE_LIMITED answers)',
      value: `${r.deferrals} (${perPost} per post; ${reasons}), retry in ${retryRange} s`,
      requirement: 'each with a retry time',
      ok: r.deferralsWithoutRetryTime === 0,
    },
    {
      name: 'retries before the time told',
      value: String(r.retriesBeforeTold),
      requirement: '0',
      ok: r.retriesBeforeTold === 0,
    },
    {
      name: "fairness: Jain's index, all callers waiting",
      value: `${r.jainBacklogged.toFixed(3)} (${r.backloggedPerCaller.join('/')} calls, ${fmtS(r.backloggedWindowMs[0])}–${fmtS(r.backloggedWindowMs[1])})`,
      requirement: '≥ 0.9',
      ok: r.jainBacklogged >= 0.9,
    },
    {
      name: "Jain's index over the first half of posts",
      value: r.jainAtHalf.toFixed(3),
      requirement: '(reported)',
      ok: true,
    },
    {
      name: 'time to acceptance p50 / p95 / max',
      value: `${fmtS(r.admissionLatencyMs.p50)} / ${fmtS(r.admissionLatencyMs.p95)} / ${fmtS(r.admissionLatencyMs.max)}`,
      requirement: '(reported)',
      ok: true,
    },
    { name: 'run time', value: fmtS(r.durationMs), requirement: '(reported)', ok: true },
  ];
}

export function renderTable(r: SimulationReport): string {
  const rows = checksOf(r);
  const header = ['check', 'value', 'requirement', 'ok'];
  const cells = rows.map((c) => [c.name, c.value, c.requirement, c.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const o = r.options;
  return [
    `${o.callers} callers, ${o.publishes} publishes arriving within ${o.arrivalSpanMs / 1000} s, ${o.gateways ?? 0} gateway replicas in front of ${o.replicas} tool-server replicas on one Redis; fake Blotato: ${o.fakeLimits['POST /v2/posts']} post creations per ${o.windowMs / 1000} s`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ].join('\n');
}

function distribute(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function jain(xs: number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? 1 : (sum * sum) / (xs.length * squares);
}

function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

function fmtS(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Small seeded PRNG, so a run's arrival pattern can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { scale: { type: 'string', default: 'full' }, seed: { type: 'string' }, gateways: { type: 'string' } },
  });
  const base = { small: SMALL_SCALE, medium: MEDIUM_SCALE, full: FULL_SCALE }[values.scale ?? 'full'];
  if (base === undefined) throw new Error(`--scale must be small, medium or full, not "${values.scale}"`);
  console.log(`simulate:blotato (${values.scale} scale)`);
  const report = await runSimulation({
    ...base,
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    ...(values.gateways === undefined ? {} : { gateways: Number(values.gateways) }),
    log: (line) => console.log(line),
  });
  console.log(renderTable(report));
  if (report.errors.length > 0) console.log(`errors:\n  ${report.errors.join('\n  ')}`);
  process.exit(checksOf(report).every((c) => c.ok) ? 0 : 1);
}
