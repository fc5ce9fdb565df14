/**
 * `npm start` takes its services down whenever it goes (issue 16): a SIGTERM to npm's own pid used to leave
 * the launcher re-parented to init and all five listeners bound. Every run here uses free ports, and its
 * processes carry a marker in their environment so the test can prove none is left (and clean up if one is).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';

const root = fileURLToPath(new URL('../..', import.meta.url));
const MARKER = 'SWITCHBOARD_START_TEST_RUN';

interface Run {
  child: ChildProcess;
  ports: number[];
  marker: string;
}

let current: Run | undefined;

async function launch(command: string, args: string[]): Promise<Run> {
  const [gateway, admin, blotato, gmail, drive] = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  const upstreams = [
    { name: 'blotato', url: `http://127.0.0.1:${blotato}/mcp` },
    { name: 'gmail', url: `http://127.0.0.1:${gmail}/mcp` },
    { name: 'drive', url: `http://127.0.0.1:${drive}/mcp` },
  ];
  const env: Record<string, string | undefined> = {
    ...process.env,
    GATEWAY_PORT: String(gateway),
    GATEWAY_ADMIN_PORT: String(admin),
    BLOTATO_PORT: String(blotato),
    GMAIL_PORT: String(gmail),
    DRIVE_PORT: String(drive),
    GATEWAY_UPSTREAMS: JSON.stringify(upstreams),
    [MARKER]: randomUUID(),
  };
  delete env['REDIS_URL'];
  delete env['NODE_ENV'];
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, ports: [gateway!, admin!, blotato!, gmail!, drive!], marker: env[MARKER]! };
  current = run;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Switchboard gateway ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before the banner:\n${output}`)));
  });
  return run;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function boundPorts(ports: number[]): Promise<number[]> {
  const open = await Promise.all(ports.map(accepts));
  return ports.filter((_, i) => open[i]);
}

/** Pids whose environment carries this run's marker (Linux /proc). */
function processesOf(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`${MARKER}=${marker}`)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours.
    }
  }
  return pids;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return check();
}

/** The banner comes from the gateway; the tool servers may still be a moment from listening. */
async function assertAllUp(run: Run): Promise<void> {
  const up = await waitUntil(async () => (await boundPorts(run.ports)).length === run.ports.length, 20_000);
  assert.ok(up, `not every listener came up: ${(await boundPorts(run.ports)).join(', ')} of ${run.ports.join(', ')}`);
}

async function assertAllGone(run: Run): Promise<void> {
  const closed = await waitUntil(async () => (await boundPorts(run.ports)).length === 0, 25_000);
  assert.ok(closed, `ports still bound: ${(await boundPorts(run.ports)).join(', ')}`);
  const gone = await waitUntil(async () => processesOf(run.marker).length === 0, 5_000);
  assert.ok(gone, `processes left: ${processesOf(run.marker).join(', ')}`);
}

describe('npm start shuts down with its launcher', { timeout: 150_000 }, () => {
  afterEach(() => {
    if (current === undefined) return;
    for (const pid of processesOf(current.marker)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    current = undefined;
  });

  it('SIGTERM to the npm process frees every port and leaves no process behind', async () => {
    const run = await launch('npm', ['start', '--silent']);
    await assertAllUp(run);
    run.child.kill('SIGTERM');
    await assertAllGone(run);
  });

  it('a SIGKILLed launcher still takes the services down (they watch its pipe)', async () => {
    const run = await launch(process.execPath, [...typeScriptNodeFlags, 'scripts/start.ts']);
    await assertAllUp(run);
    run.child.kill('SIGKILL');
    await assertAllGone(run);
  });
});
