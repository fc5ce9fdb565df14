import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { asMessage, type JsonRpcMessage } from '../json-rpc.ts';
import type { StdioUpstreamConfig, ValueOrEnv } from '../upstream-config.ts';
import type { ChannelSendOptions, MessageChannel } from './message-channel.ts';

export interface StdioChannelDeps {
  config: StdioUpstreamConfig;
  /** Resolves `{"env": …}` references of the config. */
  secret: (name: string) => string | undefined;
  /** Variables every child gets (PATH, HOME, …) before its own `env`. */
  baseEnv: Record<string, string>;
  log: (level: 'info' | 'warn', message: string, details?: Record<string, unknown>) => void;
}

const GUARD = fileURLToPath(new URL('./stdio-guard.mjs', import.meta.url));
const STOP_GRACE_MS = 2_000;
/** A line longer than this is not a message we can use; it is dropped instead of growing the buffer. */
const MAX_LINE = 64 * 1024 * 1024;

/**
 * A stdio MCP server the gateway launches and supervises: newline-delimited JSON-RPC on the child's stdin and
 * stdout, its stderr into the gateway's log. The child runs under `stdio-guard.mjs` in a process group of its
 * own, so stopping it (or the gateway dying) takes down everything it started. A child that exits ends the
 * session; the catalog reopens the channel with backoff, which is the restart.
 */
export class StdioChannel implements MessageChannel {
  onMessage: (message: JsonRpcMessage) => void = () => {};
  onClose: (reason: string) => void = () => {};
  readonly #deps: StdioChannelDeps;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(deps: StdioChannelDeps) {
    this.#deps = deps;
  }

  /** The running child's pid (the guard's), for tests and diagnostics. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async open(): Promise<void> {
    await this.close();
    const { config, log } = this.#deps;
    const child = spawn(process.execPath, [GUARD, config.command, ...config.args], {
      stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
      detached: true,
      env: { ...this.#deps.baseEnv, ...this.#resolvedEnv() },
      ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    let buffer = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== '') this.#line(line);
        newline = buffer.indexOf('\n');
      }
      if (buffer.length > MAX_LINE) buffer = '';
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const lines = stderr.split('\n');
      stderr = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') log('info', line, { stream: 'stderr' });
    });
    // A write to a child that just died must not become an uncaught EPIPE.
    child.stdin?.on('error', () => {});
    child.once('exit', (code, signal) => {
      if (this.#child !== child) return;
      this.#child = undefined;
      const reason = signal === null ? `the process exited with code ${code}` : `the process was killed by ${signal}`;
      log('warn', `stdio upstream stopped: ${reason}`);
      this.onClose(reason);
    });
  }

  async send(message: JsonRpcMessage, _options: ChannelSendOptions): Promise<void> {
    const stdin = this.#child?.stdin;
    if (stdin === undefined || stdin === null || stdin.destroyed) throw new Error('the process is not running');
    const line = `${JSON.stringify(message)}\n`;
    await new Promise<void>((resolve, reject) => stdin.write(line, (error) => (error ? reject(error) : resolve())));
  }

  /** Stops the child's whole process group: SIGTERM, then SIGKILL after a grace period. */
  async close(): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    this.#child = undefined;
    if (child === undefined || child.pid === undefined) return;
    const group = -child.pid;
    signalGroup(group, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    // Whatever is left of the group (a grandchild that ignored SIGTERM) goes now.
    signalGroup(group, 'SIGKILL');
    child.disconnect?.();
  }

  #line(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // Some servers print banners on stdout; they are not messages.
      this.#deps.log('warn', 'stdio upstream wrote a line that is not JSON-RPC', { line: line.slice(0, 200) });
      return;
    }
    const message = asMessage(parsed);
    if (message !== undefined) this.onMessage(message);
  }

  #resolvedEnv(): Record<string, string> {
    const resolve = (value: ValueOrEnv) => (typeof value === 'string' ? value : (this.#deps.secret(value.env) ?? ''));
    return Object.fromEntries(Object.entries(this.#deps.config.env).map(([name, value]) => [name, resolve(value)]));
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
