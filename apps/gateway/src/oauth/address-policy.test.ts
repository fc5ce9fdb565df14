import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPublicAddress } from './address-policy.ts';

describe('isPublicAddress (what a metadata-document fetch may connect to)', () => {
  it('accepts globally routable unicast addresses', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '160.79.104.10',
      '2606:4700:4700::1111',
      '[2a00:1450:4001:82b::200e]',
    ]) {
      assert.equal(isPublicAddress(address), true, address);
    }
  });

  it('refuses loopback, private, shared, link-local, documentation, multicast and reserved ranges', () => {
    for (const address of [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '172.16.5.4',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '192.0.2.10',
      '198.18.0.1',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '2001:db8::1',
      '64:ff9b::7f00:1',
    ]) {
      assert.equal(isPublicAddress(address), false, address);
    }
  });

  it('judges IPv4-mapped IPv6 by the IPv4 address inside', () => {
    assert.equal(isPublicAddress('::ffff:127.0.0.1'), false);
    assert.equal(isPublicAddress('::ffff:7f00:1'), false);
    assert.equal(isPublicAddress('::ffff:a9fe:a9fe'), false);
    assert.equal(isPublicAddress('::ffff:8.8.8.8'), true);
  });

  it('refuses what is not an IP address', () => {
    for (const value of ['localhost', 'example.com', '', '1.2.3', '::g'])
      assert.equal(isPublicAddress(value), false, value);
  });
});
