/**
 * Summarises a V8 `.cpuprofile` (from `npm run bench -- --cpu-prof <dir>`): the functions with the most self
 * time, and the share of busy samples by where the code lives (Switchboard, Fastify, undici, ioredis, the
 * SDK, Node internals, GC). Idle samples are left out, so shares are of the time the process was working.
 * With `--windows <dir>/windows.json` (written by the bench) only samples taken while the measured
 * `tools/call` rounds ran are counted: start-up, warm-up and the session phase stay out.
 *
 *   node --import @switchboard/ts-runtime/register test/bench/profile-summary.ts <file.cpuprofile> [--top 25] [--windows windows.json]
 */
import { readFileSync } from 'node:fs';
import { frameLabel } from '../support/frame-label.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, ...rest] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [--top N]');
  process.exit(2);
}
const topIndex = rest.indexOf('--top');
const top = topIndex === -1 ? 25 : Number(rest[topIndex + 1]);
const windowsIndex = rest.indexOf('--windows');
const windows =
  windowsIndex === -1
    ? undefined
    : (JSON.parse(readFileSync(rest[windowsIndex + 1] ?? '', 'utf8')) as [number, number][]);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const inWindow = (at: number) => windows === undefined || windows.some(([from, to]) => at >= from && at <= to);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (inWindow(at)) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});

/** Where a frame's code lives, from its script URL. */
function area(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'GC';
  if (url === '') return functionName === '(program)' ? 'V8/native (program)' : 'V8/native';
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.includes('/apps/gateway/')) return 'switchboard gateway';
  if (url.includes('/packages/')) return 'switchboard packages';
  return 'other';
}

const functions = new Map<string, number>();
const areas = new Map<string, number>();
let busy = 0;
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node === undefined || node.callFrame.functionName === '(idle)') continue;
  busy += us;
  const label = frameLabel(node.callFrame);
  functions.set(label, (functions.get(label) ?? 0) + us);
  areas.set(area(node), (areas.get(area(node)) ?? 0) + us);
}

const pct = (us: number) => `${((us / busy) * 100).toFixed(1)} %`;
console.log(`busy ${(busy / 1e6).toFixed(2)} s\n\n| self | function |\n|---:|---|`);
for (const [label, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${pct(us)} | \`${label}\` |`);
}
console.log('\n| share | area |\n|---:|---|');
for (const [label, us] of [...areas].sort((a, b) => b[1] - a[1])) console.log(`| ${pct(us)} | ${label} |`);
