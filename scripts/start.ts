/**
 * `npm start`: the gateway and the three tool servers on embedded defaults, one process each, as they run
 * in production. Secrets the processes must share (caller assertions) are generated for this run when the
 * environment has none; with `REDIS_URL` unset every store is in memory. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const shared: Record<string, string> = {
  CALLER_ASSERTION_SECRET: process.env['CALLER_ASSERTION_SECRET'] || randomBytes(32).toString('base64url'),
  GATEWAY_SESSION_SECRET: process.env['GATEWAY_SESSION_SECRET'] || randomBytes(32).toString('base64url'),
  LOG_LEVEL: process.env['LOG_LEVEL'] || 'warn',
};

const services = [
  { name: 'mcp-blotato', entry: 'apps/mcp-blotato/src/main.ts' },
  { name: 'mcp-gmail', entry: 'apps/mcp-gmail/src/main.ts' },
  { name: 'mcp-drive', entry: 'apps/mcp-drive/src/main.ts' },
  { name: 'gateway', entry: 'apps/gateway/src/main.ts' },
];

const children: ChildProcess[] = [];
let stopping = false;

for (const service of services) {
  const child = spawn(process.execPath, ['--import', 'tsx', service.entry], {
    env: { ...process.env, ...shared },
    stdio: ['ignore', service.name === 'gateway' ? 'inherit' : 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefixLines(service.name, chunk.toString())));
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`${service.name} exited (${signal ?? code}); stopping the others.\n`);
    stop(1);
  });
  children.push(child);
}

function prefixLines(name: string, text: string): string {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => `[${name}] ${line}\n`)
    .join('');
}

function stop(code: number): void {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null))))).then(() =>
    process.exit(code),
  );
}

process.once('SIGINT', () => stop(0));
process.once('SIGTERM', () => stop(0));
