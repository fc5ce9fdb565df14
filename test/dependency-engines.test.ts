/**
 * The root `engines.node` is a promise to whoever runs `npm ci`: every locked package must run on its
 * minimum. Before issue 16, cookie@2 (via light-my-request) wanted Node 22 while the root said >=20.15, and
 * `npm ci` warned EBADENGINE on Node 20.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

// semver ships no types of its own; these are the two functions used.
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

const read = (path: string) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

test('no locked package declares an engines.node range that excludes the root minimum', () => {
  const root = read('../package.json') as { engines: { node: string } };
  const lock = read('../package-lock.json') as { packages: Record<string, { version?: string; engines?: unknown }> };
  const minimum = semver.minVersion(root.engines.node)?.version;
  assert.ok(minimum, `root engines.node "${root.engines.node}" is not a range`);
  const excluding = Object.entries(lock.packages).flatMap(([path, entry]) => {
    const engines = entry.engines;
    // Some old packages declare engines as an array of strings; only the object form names node.
    const range =
      typeof engines === 'object' && engines !== null && !Array.isArray(engines)
        ? (engines as Record<string, unknown>)['node']
        : undefined;
    return typeof range === 'string' && !semver.satisfies(minimum, range) ? [`${path}@${entry.version}: ${range}`] : [];
  });
  assert.deepEqual(excluding, [], `these need a newer Node than ${minimum}`);
});
