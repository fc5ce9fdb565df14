/**
 * `npm run bench:compare -- --base <checkout>`: an A/B of the hot path. The gateway of another checkout (a
 * worktree of the commit before a change, with its own `npm ci`) and this checkout's run side by side on CPU 1
 * with the same upstream and the same Redis (one database each); identical closed-loop rounds alternate between
 * them, in alternating order, so a drifting VM hits both alike. Prints the median per gateway of CPU time per
 * call, req/s, p50 and redis-server's CPU per call, with every round's CPU figure.
 *
 *   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci)
 *   npm run bench:compare -- --base /tmp/base [--upstream v1|v2] [--era modern|legacy] [--concurrency 16]
 *     [--duration 3] [--rounds 10]
 */
import { startRedisServer } from '@switchboard/testing';
import {
  cliArgs,
  killChildren,
  legacyCall,
  load,
  median,
  modernCall,
  pinSelfToCpu0,
  type RunResult,
  startGatewayProcess,
  startUpstreams,
  stopChildren,
} from './bench-kit.ts';

const args = cliArgs();
const base = args.get('base');
if (base === undefined) {
  console.error('usage: compare-gateways.ts --base <checkout> [--upstream v1|v2] [--era modern|legacy] …');
  process.exit(2);
}
const upstream = (args.get('upstream') ?? 'v1') as 'v1' | 'v2';
const era = (args.get('era') ?? 'modern') as 'modern' | 'legacy';
const concurrency = Number(args.get('concurrency') ?? 16);
const durationMs = Number(args.get('duration') ?? 3) * 1000;
const rounds = Number(args.get('rounds') ?? 10);
pinSelfToCpu0();

async function main() {
  const redis = await startRedisServer();
  const { started, gatewayUpstreams } = await startUpstreams([upstream]);
  const tool = upstream === 'v2' ? 'bench_echo' : 'v1_echo';
  const contenders = [
    { name: `base (${base})`, cwd: base! },
    { name: 'this checkout', cwd: process.cwd() },
  ];
  const gateways = [];
  for (const [db, contender] of contenders.entries()) {
    const gateway = await startGatewayProcess({
      upstreams: gatewayUpstreams,
      redisUrl: `${redis.url}/${db}`,
      limits: true,
      cwd: contender.cwd,
    });
    const auth = `Bearer ${gateway.token}`;
    const target = era === 'modern' ? modernCall(gateway.url, tool, auth) : await legacyCall(gateway.url, tool, auth);
    gateways.push({ ...contender, pid: gateway.child.pid!, target, runs: [] as RunResult[] });
  }
  const upstreamPid = started[upstream]!.pid;
  for (const gateway of gateways) await load(gateway.target, concurrency, 4000); // JIT, pools, caches
  for (let round = 0; round < rounds; round++) {
    for (const gateway of round % 2 === 0 ? gateways : [...gateways].reverse()) {
      gateway.runs.push(await load(gateway.target, concurrency, durationMs, [gateway.pid, upstreamPid, redis.pid!]));
    }
  }
  console.log(`${upstream} upstream, ${era} caller, concurrency ${concurrency}, ${rounds} rounds of ${durationMs} ms`);
  for (const { name, runs } of gateways) {
    const errors = runs.reduce((n, r) => n + r.errors, 0);
    console.log(
      `${name}: gateway CPU/call median ${median(runs.map((r) => r.cpuUs[0]!)).toFixed(0)} µs ` +
        `[${runs.map((r) => r.cpuUs[0]!.toFixed(0)).join(' ')}], ${median(runs.map((r) => r.rps)).toFixed(0)} req/s, ` +
        `p50 ${median(runs.map((r) => r.p50)).toFixed(2)} ms, redis CPU/call ${median(runs.map((r) => r.cpuUs[2]!)).toFixed(0)} µs, ` +
        `upstream CPU/call ${median(runs.map((r) => r.cpuUs[1]!)).toFixed(0)} µs, ${errors} errors`,
    );
  }
  await stopChildren();
  await redis.stop();
}

main().catch((error) => {
  console.error(error);
  killChildren();
  process.exit(1);
});
