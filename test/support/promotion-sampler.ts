import { Session } from 'node:inspector/promises';
import { frameLabel } from './frame-label.ts';

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

export interface Promotions {
  /** Bytes allocated under a frame matching `ours` that outlived young-generation GC. */
  ours: number;
  /** The same, everywhere else in the process (load generators, fakes, Node internals). */
  elsewhere: number;
  /** `ours`, by the innermost matching frame and the two calls below it, heaviest first. */
  byFrame: [string, number][];
}

/**
 * Runs `work` under V8's sampling heap profiler, told to keep objects a later full GC collects: what it
 * reports is what outlived young-generation GC. Such garbage sits in the old generation (and RSS) until the
 * next full GC, which is how a burst can add tens of MiB that nothing holds. Allocations are attributed to
 * the innermost frame matching `ours`, unless a frame matching `skip` (the load generator) is on the stack.
 */
export async function samplePromotions(work: () => Promise<void>, ours: RegExp, skip?: RegExp): Promise<Promotions> {
  const inspector = new Session();
  inspector.connect();
  await inspector.post('HeapProfiler.enable');
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
  });
  const stop = async () => {
    const { profile } = (await inspector.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
    inspector.disconnect();
    return profile;
  };
  try {
    await work();
  } catch (error) {
    await stop();
    throw error;
  }
  const profile = await stop();
  const byFrame = new Map<string, number>();
  let mine = 0;
  let total = 0;
  const walk = (node: SamplingNode, stack: SamplingNode['callFrame'][]) => {
    const here = [...stack, node.callFrame];
    total += node.selfSize;
    const at = here.findLastIndex((f) => ours.test(f.url));
    if (node.selfSize > 0 && at !== -1 && !(skip !== undefined && here.some((f) => skip.test(f.url)))) {
      mine += node.selfSize;
      const key = [here[at]!, ...here.slice(at + 1).slice(-2)].map(frameLabel).join(' > ');
      byFrame.set(key, (byFrame.get(key) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  return { ours: mine, elsewhere: total - mine, byFrame: [...byFrame].sort((a, b) => b[1] - a[1]) };
}
