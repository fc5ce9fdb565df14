/**
 * Summarises V8 CPU profiles (`--cpu-prof`, e.g. from `npm run soak -- --cpu-prof DIR`): self time by package
 * (a dependency under node_modules, our own workspaces, Node's internals, the garbage collector) and the
 * functions that cost the most, so "what holds the throughput back" is an answer with figures.
 *
 *   node --import @switchboard/ts-runtime/register test/soak/cpu-profile-summary.ts prof/*.cpuprofile [--top 25]
 */
import { readFileSync } from 'node:fs';
import { frameLabel } from '../support/frame-label.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

function packageOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep !== null) return dep[1] ?? url;
  const own = /\/(apps|packages|test)\/([^/]+)\//.exec(url);
  return own === null ? url : `${own[1]}/${own[2]}`;
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 25 : Number(args.splice(topAt, 2)[1]);
for (const file of args) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const perSample = totalMs / Math.max(1, profile.samples.length);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const ms = (hits.get(node.id) ?? 0) * perSample;
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += ms;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    const fn = frameLabel(node.callFrame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const pct = (ms: number) => `${((100 * ms) / Math.max(1, busy)).toFixed(1)} %`;
  console.log(
    `${file}: ${(totalMs / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s on CPU (${((100 * busy) / totalMs).toFixed(0)} % of one core)`,
  );
  console.log('\nself time by package');
  for (const [pkg, ms] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${pct(ms).padStart(7)}  ${pkg}`);
  console.log(`\ntop ${top} functions by self time`);
  for (const [fn, ms] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(ms).padStart(7)}  ${fn}`);
}
