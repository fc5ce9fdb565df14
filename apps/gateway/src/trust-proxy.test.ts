import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadGatewayConfig } from './config.ts';

const trustProxy = (value: string | undefined) =>
  loadGatewayConfig(value === undefined ? {} : { GATEWAY_TRUST_PROXY: value }).GATEWAY_TRUST_PROXY;

describe('GATEWAY_TRUST_PROXY', () => {
  it('defaults to proxies on loopback and private networks', () => {
    assert.deepEqual(trustProxy(undefined), ['loopback', 'linklocal', 'uniquelocal']);
    assert.deepEqual(trustProxy(''), ['loopback', 'linklocal', 'uniquelocal']);
  });

  it('takes true, false, addresses and ranges', () => {
    assert.equal(trustProxy('true'), true);
    assert.equal(trustProxy('false'), false);
    assert.deepEqual(trustProxy(' 10.0.0.0/8, fd00::/8,192.0.2.7 ,10.1.0.0/255.255.0.0,::1,loopback'), [
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.7',
      '10.1.0.0/255.255.0.0',
      '::1',
      'loopback',
    ]);
  });

  it('refuses at start what Fastify would throw on later, naming the variable and each bad entry', () => {
    assert.throws(
      () => trustProxy('10.0.0.0/8,proxy.internal,10.0.0.0/33,2'),
      (error: Error) =>
        /GATEWAY_TRUST_PROXY: "proxy.internal", "10.0.0.0\/33", "2": expected true, false, or addresses/.test(
          error.message,
        ),
    );
  });
});
