/**
 * Keeps `npm ci` working when the npm registry in use lacks some other platforms' builds of a package with
 * per-platform optional dependencies (Biome, Turborepo): `npm install` then leaves those entries out of
 * package-lock.json, and `npm ci` refuses the lock as out of sync. This adds the missing entries, marked
 * optional and restricted to their platform, so npm skips them everywhere else. Run after `npm install`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM: [RegExp, { os: string; cpu: string; libc?: string }][] = [
  [/android-arm64$/, { os: 'android', cpu: 'arm64' }],
  [/android-x64$/, { os: 'android', cpu: 'x64' }],
  [/darwin-(arm64)$/, { os: 'darwin', cpu: 'arm64' }],
  [/darwin-(x64|64)$/, { os: 'darwin', cpu: 'x64' }],
  [/linux-arm64-musl$/, { os: 'linux', cpu: 'arm64', libc: 'musl' }],
  [/linux-x64-musl$/, { os: 'linux', cpu: 'x64', libc: 'musl' }],
  [/(win32|windows)-arm64$/, { os: 'win32', cpu: 'arm64' }],
  [/(win32|windows)-(x64|64)$/, { os: 'win32', cpu: 'x64' }],
];

type Entry = { version?: string; dev?: boolean; optionalDependencies?: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Entry> };
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (lock.packages[key] !== undefined) continue;
    const platform = PLATFORM.find(([pattern]) => pattern.test(name))?.[1];
    if (platform === undefined)
      throw new Error(`${name} (optional dependency of ${path}) is missing and its platform is unknown`);
    lock.packages[key] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform.os],
      cpu: [platform.cpu],
      ...(platform.libc === undefined ? {} : { libc: [platform.libc] }),
    } as Entry;
    added++;
  }
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} foreign-platform entries added`);
