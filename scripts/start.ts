/**
 * `npm start`: the gateway and the three tool servers on embedded defaults, one process each, as they run
 * in production. Secrets the processes must share (caller assertions) are generated for this run when the
 * environment has none; with `REDIS_URL` unset every store is in memory.
 *
 * The services go whenever the launcher goes. `npm start` puts npm and `sh -c` between the terminal and this
 * process; a SIGTERM to npm's pid kills those two without reaching us (issue 16), so besides SIGINT, SIGTERM
 * and SIGHUP the launcher also watches its parent pid. Each service runs in its own process group (so the
 * whole group can be signalled, and a terminal's Ctrl-C reaches the services once, through us) and holds a
 * pipe from the launcher whose end it watches (`exit-with-launcher.ts`), which covers a SIGKILLed launcher.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';

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

/** The gateway drains for up to 15 s and the tool servers for 10 s; past this the groups get SIGKILL. */
const DRAIN_MS = 16_000;
const PARENT_POLL_MS = 500;

const watchdog = new URL('./exit-with-launcher.ts', import.meta.url).href;
const children: ChildProcess[] = [];
let stopping = false;

for (const service of services) {
  const child = spawn(process.execPath, [...typeScriptNodeFlags, '--import', watchdog, service.entry], {
    env: { ...process.env, ...shared },
    stdio: ['pipe', service.name === 'gateway' ? 'inherit' : 'ignore', 'pipe'],
    detached: true,
  });
  // EPIPE on a service that already exited is expected; its exit is handled below.
  child.stdin?.on('error', () => undefined);
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

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) signalGroup(child, 'SIGTERM');
  const force = setTimeout(() => {
    for (const child of children) signalGroup(child, 'SIGKILL');
    process.exit(code);
  }, DRAIN_MS);
  Promise.all(
    children.map(
      (c) => new Promise((r) => (c.exitCode === null && c.signalCode === null ? c.once('exit', r) : r(null))),
    ),
  ).then(() => {
    clearTimeout(force);
    // A service may have left something in its group (a stdio upstream it launched); take that down too.
    for (const child of children) signalGroup(child, 'SIGKILL');
    process.exit(code);
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => stop(0));

// Re-parented (to init or a subreaper) means whoever started us is gone.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop(0);
}, PARENT_POLL_MS).unref();
