import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { freePort, onFreshPortsWhenTaken } from './free-port.ts';

const taken = createServer();
await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
const takenPort = (taken.address() as { port: number }).port;
after(() => taken.close());

/** Binds `port` as a spawned server would, failing as Node does when it is in use. */
function bind(port: number): Promise<number> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(port)));
  });
}

describe('onFreshPortsWhenTaken', () => {
  test('chooses again when the first port was taken before it was bound', async () => {
    const picks = [takenPort];
    const bound = await onFreshPortsWhenTaken(async () => picks.shift() ?? freePort(), bind);
    assert.notEqual(bound, takenPort);
    assert.equal(picks.length, 0);
  });

  test('gives up after its attempts, with the last error', async () => {
    let tries = 0;
    await assert.rejects(
      onFreshPortsWhenTaken(
        async () => {
          tries++;
          return takenPort;
        },
        bind,
        2,
      ),
      /EADDRINUSE/,
    );
    assert.equal(tries, 2);
  });

  test('passes any other failure through at once', async () => {
    let tries = 0;
    const failing = async () => {
      tries++;
      throw new Error('gateway did not start');
    };
    await assert.rejects(onFreshPortsWhenTaken(freePort, failing), /did not start/);
    assert.equal(tries, 1);
  });
});
