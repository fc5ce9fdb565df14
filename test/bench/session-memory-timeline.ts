/**
 * What a burst of 2025-era sessions leaves in the gateway, over time: its RSS and anonymous memory
 * (/proc/<pid>/smaps_rollup), V8's heap in use and the size of each heap space (the gateway's own /metrics),
 * once before the burst and every 5 s for 30 s after it. The bench's RSS figure is one reading ≈ 3 s after the
 * burst; this shows what that reading contains and when V8 gives it back.
 *
 * `--warm-up N` first opens N sessions and waits 30 s, so the code the burst runs is compiled before the idle
 * reading (a gateway that has served traffic) rather than during the burst (a fresh one).
 *
 *   node --import @switchboard/ts-runtime/register test/bench/session-memory-timeline.ts [--sessions 1000] [--warm-up 0]
 */
import { readFileSync } from 'node:fs';
import { startRedisServer } from '@switchboard/testing';
import { cliArgs, legacyCall, pinSelfToCpu0, startGatewayProcess, startUpstreams, stopChildren } from './bench-kit.ts';

const args = cliArgs();
const sessions = Number(args.get('sessions') ?? 1000);
const warmUp = Number(args.get('warm-up') ?? 0);
pinSelfToCpu0();
const redis = await startRedisServer();
const { gatewayUpstreams } = await startUpstreams(['v1']);
const gateway = await startGatewayProcess({ upstreams: gatewayUpstreams, redisUrl: redis.url, limits: true });
const pid = gateway.child.pid!;
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

async function reading(label: string): Promise<void> {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) * 1024;
  const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
  const spaces = [...metrics.matchAll(/^nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\d+)/gm)]
    .filter(([, , bytes]) => Number(bytes) > 0)
    .map(([, space, bytes]) => `${space} ${mib(Number(bytes))}`);
  console.log(
    `${label.padEnd(12)} RSS ${mib(kib('Rss'))} MiB, anonymous ${mib(kib('Anonymous'))}, heap used ${mib(gauge('nodejs_heap_size_used_bytes'))}; spaces: ${spaces.join(', ')}`,
  );
}

const auth = `Bearer ${gateway.token}`;
async function burst(count: number): Promise<void> {
  for (let batch = 0; batch < count; batch += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - batch) }, async () => {
        const call = await legacyCall(gateway.url, 'v1_echo', auth);
        await (await fetch(call.url, { method: 'POST', headers: call.headers, body: call.body })).text();
      }),
    );
  }
}

if (warmUp > 0) {
  await burst(warmUp);
  await new Promise((r) => setTimeout(r, 30_000));
} else await new Promise((r) => setTimeout(r, 3000));
await reading('idle');
await burst(sessions);
for (let s = 0; s <= 30; s += 5) {
  await reading(`after +${s} s`);
  await new Promise((r) => setTimeout(r, 5000));
}
await stopChildren();
await redis.stop();
