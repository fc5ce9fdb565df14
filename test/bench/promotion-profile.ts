/**
 * What the gateway allocates that outlives young-generation GC: V8's sampling heap profiler, told to keep
 * objects a full GC later collects, while 2025-era sessions open (initialize, notifications/initialized, one
 * `tools/call` each, 50 at a time). Such objects are promoted garbage: the old generation (and RSS) grows with
 * them until the next full GC, which is how a burst of sessions can add tens of MiB that no session holds.
 * Prints the allocating frames inside the gateway and the SDK, heaviest first; the load generator runs in
 * this process too, so its own allocations are counted apart and left out.
 *
 *   node --import tsx test/bench/promotion-profile.ts [--sessions 2000] [--top 25]
 */
import { Session } from 'node:inspector/promises';
import { startRedisServer } from '@switchboard/testing';
import { baseEnv, startGateway } from '../support/gateway-harness.ts';
import { cliArgs, legacyCall, startUpstreams, stopChildren } from './bench-kit.ts';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const args = cliArgs();
const sessions = Number(args.get('sessions') ?? 2000);
const top = Number(args.get('top') ?? 25);
const OURS = /apps\/gateway\/src|@modelcontextprotocol\/(server|core)/;

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

const inspector = new Session();
inspector.connect();
await inspector.post('HeapProfiler.enable');
await inspector.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
});
for (let opened = 0; opened < sessions; opened += 50) await Promise.all(Array.from({ length: 50 }, openSession));
const { profile } = (await inspector.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };

const frame = (f: SamplingNode['callFrame']) =>
  // Frames of TypeScript run through tsx carry no line (line 0): the function name is what identifies them.
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|packages)\//, '$1/')}${f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}`;
const byFrame = new Map<string, number>();
let ours = 0;
let total = 0;
const walk = (node: SamplingNode, stack: SamplingNode['callFrame'][]) => {
  const here = [...stack, node.callFrame];
  total += node.selfSize;
  // Attributed to the innermost gateway or SDK frame, with the two calls below it for context.
  const at = here.findLastIndex((f) => OURS.test(f.url));
  if (node.selfSize > 0 && at !== -1) {
    ours += node.selfSize;
    const key = [here[at]!, ...here.slice(at + 1).slice(-2)].map(frame).join(' > ');
    byFrame.set(key, (byFrame.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, here);
};
walk(profile.head, []);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
console.log(
  `${sessions} sessions: ${kib(ours)} promoted under gateway or SDK frames (${kib(ours / sessions)} per session), ${kib(total - ours)} elsewhere (the load generator, Node internals)`,
);
for (const [key, bytes] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${kib(bytes).padStart(9)}  ${key}`);
}
await gw.close();
await stopChildren();
await redis.stop();
