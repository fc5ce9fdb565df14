import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A private `redis-server` for tests that must stop, kill or isolate Redis (the shared one on 6379 is never
 * flushed or stopped by tests). Nothing is persisted.
 */
export interface TestRedisServer {
  readonly port: number;
  readonly url: string;
  /** Process id of the running server (benchmarks read its CPU time), undefined while stopped. */
  readonly pid: number | undefined;
  /** SIGKILL: the server vanishes mid-request, as a crashed Redis would. */
  kill(): Promise<void>;
  /** Start again on the same port (after kill/stop). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisServer(
  options: { port?: number; persist?: boolean | 'everysec' } = {},
): Promise<TestRedisServer> {
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  // `persist`: every write is fsynced to an append-only file, so data survives a kill, as in production;
  // `'everysec'` fsyncs once a second (Redis's own default), for load runs where a fsync per write would be
  // the bottleneck (a kill then loses at most the last second of writes, as it would in production).
  const dir = options.persist ? mkdtempSync(join(tmpdir(), 'switchboard-redis-')) : undefined;
  const fsync = options.persist === 'everysec' ? 'everysec' : 'always';
  const persistence =
    dir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', fsync, '--dir', dir];

  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    child.on('error', () => {});
    await waitForPing(port);
  };

  const kill = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };

  await start();
  const stop = async () => {
    await kill();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    kill,
    start,
    stop,
  };
}

async function waitForPing(port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The shared Redis a test may use with its own key prefix (never flushed by tests). */
export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix unique to one test, so tests on the shared Redis never see each other's keys. */
export function uniquePrefix(label: string): string {
  return `t:${label}:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}
