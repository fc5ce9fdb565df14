import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts something on ports `pick` chooses, choosing again when it fails with EADDRINUSE. A port `freePort`
 * found free can be taken before a child process binds it (by another test's server, or as the local port of
 * any outgoing connection), so a process spawned on one occasionally finds it in use.
 */
export async function onFreshPortsWhenTaken<P, T>(
  pick: () => Promise<P>,
  start: (ports: P) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await pick());
    } catch (error) {
      if (attempt >= attempts || !String((error as Error)?.message).includes('EADDRINUSE')) throw error;
    }
  }
}
