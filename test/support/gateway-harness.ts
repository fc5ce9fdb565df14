/**
 * Test infrastructure: a gateway replica in this process (real HTTP listeners on loopback), or as a child
 * process for tests that need separate processes (replicas, restarts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, onFreshPortsWhenTaken } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
import { loadGatewayConfig } from '../../apps/gateway/src/config.ts';
import { createGateway, type Gateway } from '../../apps/gateway/src/gateway.ts';

export const TEST_ASSERTION_SECRET = 'test-assertion-secret-0123456789abcdef';
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdefgh';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface RunningGateway {
  gateway: Gateway;
  /** `http://127.0.0.1:<port>/mcp` */
  mcpUrl: URL;
  adminUrl: string;
  /** Creates a key through the key service and returns its plaintext token. */
  createKey(scopes?: string[], extra?: Record<string, unknown>): Promise<{ token: string; id: string }>;
  close(): Promise<void>;
}

export function baseEnv(
  upstreams: ({ name: string; prefix?: boolean } & Record<string, unknown>)[],
  extra: Record<string, string> = {},
) {
  return {
    GATEWAY_PORT: '0',
    GATEWAY_ADMIN_PORT: '0',
    GATEWAY_UPSTREAMS: JSON.stringify(upstreams),
    CALLER_ASSERTION_SECRET: TEST_ASSERTION_SECRET,
    GATEWAY_SESSION_SECRET: TEST_SESSION_SECRET,
    GATEWAY_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export async function startGateway(env: Record<string, string>): Promise<RunningGateway> {
  const gateway = await createGateway(loadGatewayConfig(env));
  const publicAddress = await gateway.publicApp.listen({ port: Number(env['GATEWAY_PORT'] ?? 0), host: '127.0.0.1' });
  const adminAddress = await gateway.adminApp.listen({
    port: Number(env['GATEWAY_ADMIN_PORT'] ?? 0),
    host: '127.0.0.1',
  });
  return {
    gateway,
    mcpUrl: new URL(`${publicAddress}/mcp`),
    adminUrl: adminAddress,
    async createKey(scopes = ['*'], extra = {}) {
      const issued = await gateway.keys.create({ name: 'test key', owner: 'tests', scopes, ...extra }, { id: 'test' });
      return { token: issued.token, id: issued.key.id };
    },
    close: () => gateway.close(),
  };
}

export interface GatewayProcess {
  mcpUrl: URL;
  adminUrl: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * A gateway as its own process (`apps/gateway/src/main.ts`), on fixed free ports so it can be restarted. Without
 * `ports` it takes fresh ones, and others again if one was taken before the gateway bound it.
 */
export async function spawnGateway(
  env: Record<string, string>,
  ports?: { port: number; adminPort: number },
): Promise<GatewayProcess> {
  if (ports !== undefined) return spawnGatewayOn(env, ports);
  return onFreshPortsWhenTaken(
    async () => ({ port: await freePort(), adminPort: await freePort() }),
    (fresh) => spawnGatewayOn(env, fresh),
  );
}

async function spawnGatewayOn(
  env: Record<string, string>,
  { port, adminPort }: { port: number; adminPort: number },
): Promise<GatewayProcess> {
  let output = '';
  const child = spawn(process.execPath, [...typeScriptNodeFlags, 'apps/gateway/src/main.ts'], {
    env: {
      ...process.env,
      ...env,
      GATEWAY_PORT: String(port),
      GATEWAY_ADMIN_PORT: String(adminPort),
      GATEWAY_PUBLIC_URL: `http://localhost:${port}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const deadline = Date.now() + 20_000;
  while (!output.includes('Switchboard gateway ready')) {
    if (child.exitCode !== null) throw new Error(`gateway exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`gateway did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    mcpUrl: new URL(`http://127.0.0.1:${port}/mcp`),
    adminUrl: `http://127.0.0.1:${adminPort}`,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
