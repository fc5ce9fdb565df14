/**
 * What the gateway allocates that outlives young-generation GC: V8's sampling heap profiler, told to keep
 * objects a full GC later collects, while 2025-era sessions open (initialize, notifications/initialized, one
 * `tools/call` each, 50 at a time). Such objects are promoted garbage: the old generation (and RSS) grows with
 * them until the next full GC, which is how a burst of sessions can add tens of MiB that no session holds.
 * Prints the allocating frames inside the gateway and the SDK, heaviest first; the load generator runs in
 * this process too, so its own allocations are counted apart and left out.
 *
 *   node --import @switchboard/ts-runtime/register test/bench/promotion-profile.ts [--sessions 2000] [--top 25]
 */
import { startRedisServer } from '@switchboard/testing';
import { baseEnv, startGateway } from '../support/gateway-harness.ts';
import { samplePromotions } from '../support/promotion-sampler.ts';
import { cliArgs, legacyCall, startUpstreams, stopChildren } from './bench-kit.ts';

const args = cliArgs();
const sessions = Number(args.get('sessions') ?? 2000);
const top = Number(args.get('top') ?? 25);

const redis = await startRedisServer();
const { gatewayUpstreams } = await startUpstreams(['v1']);
const gw = await startGateway(
  baseEnv(gatewayUpstreams as never, {
    REDIS_URL: redis.url,
    GATEWAY_DEFAULT_LIMITS: JSON.stringify({ key: { limit: 1_000_000, window_s: 60 } }),
  }),
);
const auth = `Bearer ${(await gw.createKey()).token}`;
const openSession = async () => {
  const call = await legacyCall(gw.mcpUrl.toString(), 'v1_echo', auth);
  await (await fetch(call.url, { method: 'POST', headers: call.headers, body: call.body })).text();
};
// Warm up first, so that start-up and first-call compilation are not counted.
for (let i = 0; i < 200; i++) await openSession();

const promotions = await samplePromotions(async () => {
  for (let opened = 0; opened < sessions; opened += 50) await Promise.all(Array.from({ length: 50 }, openSession));
}, /apps\/gateway\/src|@modelcontextprotocol\/(server|core)/);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
console.log(
  `${sessions} sessions: ${kib(promotions.ours)} promoted under gateway or SDK frames (${kib(promotions.ours / sessions)} per session), ${kib(promotions.elsewhere)} elsewhere (the load generator, Node internals)`,
);
for (const [key, bytes] of promotions.byFrame.slice(0, top)) console.log(`${kib(bytes).padStart(9)}  ${key}`);
await gw.close();
await stopChildren();
await redis.stop();
