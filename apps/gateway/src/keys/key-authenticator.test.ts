import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { AuditLog } from '../audit/audit-log.ts';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { ManualClock } from '../clock.ts';
import { generateApiKeyToken } from './api-key-token.ts';
import { createKeyStore } from './create-key-store.ts';
import { KeyAuthenticator } from './key-authenticator.ts';
import { type KeyEventListener, type KeyEvents, MemoryKeyEvents } from './key-events.ts';
import { KeyService } from './key-service.ts';
import type { KeyStore } from './key-store.ts';
import { countingKeyStore } from './test-fixtures.ts';

const admin = { id: 'admin-token' };

describe('KeyAuthenticator (single process)', () => {
  let clock: ManualClock;
  let inner: KeyStore;
  let store: KeyStore;
  let counts: Record<keyof KeyStore, number>;
  let events: MemoryKeyEvents;
  let audit: AuditLog;
  let service: KeyService;
  let auth: KeyAuthenticator;

  beforeEach(() => {
    clock = new ManualClock();
    inner = createKeyStore({ clock });
    ({ store, counts } = countingKeyStore(inner));
    events = new MemoryKeyEvents();
    audit = createAuditLog({ clock });
    service = new KeyService({ store: inner, events, audit, clock });
    auth = new KeyAuthenticator({ store, events, clock, audit });
  });
  afterEach(() => auth.close());

  test('a valid token yields the key without its secret', async () => {
    const { key, token } = await service.create(
      { name: 'alice', owner: 'alice@example.com', scopes: ['gmail_*'], limits: { key: { limit: 5, window_s: 60 } } },
      admin,
    );
    const found = await auth.authenticate(token, '10.0.0.1');
    assert.deepEqual(
      { ...found, scopes: [...found.scopes] },
      {
        id: key.id,
        name: 'alice',
        owner: 'alice@example.com',
        scopes: ['gmail_*'],
        limits: { key: { limit: 5, window_s: 60 } },
        prefix: token.slice(0, 8),
      },
    );
    assert.equal(JSON.stringify(found).includes(token), false);
    assert.throws(() => (found.scopes as string[]).push('*'), TypeError, 'the cached key is frozen');
  });

  test('steady state costs no store round trip: found and unknown tokens are cached, lookups coalesce', async () => {
    const { token } = await service.create({ name: 'a', scopes: [] }, admin);
    await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(token, '10.0.0.1')));
    for (let i = 0; i < 100; i++) await auth.authenticate(token, '10.0.0.1');
    assert.equal(counts.findByHash, 1);

    const stranger = generateApiKeyToken().token;
    for (let i = 0; i < 10; i++) await assert.rejects(auth.authenticate(stranger, '10.0.0.1'));
    assert.equal(counts.findByHash, 2);
    assert.equal(counts.markUsed, 0, 'last-used is not written per request');
  });

  test('each refusal says why without echoing the token', async () => {
    const { key, token } = await service.create({ name: 'a', scopes: [], expiresAt: clock.now() + 1000 }, admin);
    const typo = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    const cases: [string, string, RegExp][] = [
      ['', 'missing', /No API key was sent/],
      ['Bearer nonsense', 'malformed', /malformed/],
      [typo, 'checksum', /checksum/],
      [generateApiKeyToken().token, 'unknown', /not known/],
    ];
    for (const [candidate, reason, sentence] of cases) {
      await assert.rejects(
        auth.authenticate(candidate, '10.0.0.1'),
        (error: Error & { code?: string; details?: unknown }) => {
          assert.equal(error.code, 'UNAUTHENTICATED');
          assert.deepEqual(error.details, { reason });
          assert.match(error.message, sentence);
          if (candidate !== '') assert.equal(error.message.includes(candidate), false);
          return true;
        },
      );
    }
    clock.advance(1000);
    await assert.rejects(auth.authenticate(token, '10.0.0.1'), { details: { reason: 'expired' } });
    await service.revoke(key.id, admin);
    await assert.rejects(auth.authenticate(token, '10.0.0.1'), (error: Error & { details?: unknown }) => {
      assert.deepEqual(error.details, { reason: 'revoked' });
      assert.equal(error.message.includes(token), false);
      return true;
    });
  });

  test('revocation, scope and limit changes apply on the next request', async () => {
    const { key, token } = await service.create({ name: 'a', scopes: ['gmail_*'] }, admin);
    await auth.authenticate(token, '10.0.0.1');
    await service.update(
      key.id,
      { scopes: ['drive_*'], limits: { tools: [{ pattern: 'drive_*', limit: 1, window_s: 1 }] } },
      admin,
    );
    const updated = await auth.authenticate(token, '10.0.0.1');
    assert.deepEqual([...updated.scopes], ['drive_*']);
    assert.equal(updated.limits.tools?.[0]?.limit, 1);
    await service.revoke(key.id, admin);
    await assert.rejects(auth.authenticate(token, '10.0.0.1'), { details: { reason: 'revoked' } });
  });

  test('rotation grace and its end are decided by the clock, even for a cached key', async () => {
    const { key, token: old } = await service.create({ name: 'a', scopes: [] }, admin);
    const { token: fresh } = await service.rotate(key.id, { gracePeriodS: 60 }, admin);
    assert.equal((await auth.authenticate(old, '10.0.0.1')).prefix, old.slice(0, 8));
    assert.equal((await auth.authenticate(fresh, '10.0.0.1')).prefix, fresh.slice(0, 8));
    const reads = counts.findByHash;
    clock.advance(60_000);
    await assert.rejects(auth.authenticate(old, '10.0.0.1'), { details: { reason: 'rotated' } });
    await auth.authenticate(fresh, '10.0.0.1');
    assert.equal(counts.findByHash, reads, 'decided from the cache');
  });

  test('last use is coalesced in memory and flushed in one write', async () => {
    const { key, token } = await service.create({ name: 'a', scopes: [] }, admin);
    await auth.authenticate(token, '10.0.0.1');
    clock.advance(5);
    await auth.authenticate(token, '10.0.0.2');
    assert.equal((await inner.get(key.id))?.lastUsedAt, null);
    await auth.flushUsage();
    assert.equal(counts.markUsed, 1);
    const stored = await inner.get(key.id);
    assert.equal(stored?.lastUsedAt, clock.now());
    assert.equal(stored?.lastUsedIp, '10.0.0.2');
  });

  test('refusals are audited, throttled per ip and reason, without the token', async () => {
    const stranger = generateApiKeyToken().token;
    for (let i = 0; i < 5; i++) await assert.rejects(auth.authenticate(stranger, '10.0.0.7'));
    await new Promise((resolve) => setImmediate(resolve));
    const entries = (await audit.list({ limit: 50 })).items.filter((e) => e.action === 'auth.failed');
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.reason, 'unknown');
    assert.equal(entries[0]?.ip, '10.0.0.7');
    assert.equal(JSON.stringify(entries).includes(stranger), false);
  });

  test('a failing store is STORE_UNAVAILABLE, not "unauthenticated"', async () => {
    const broken: KeyStore = {
      ...countingKeyStore(inner).store,
      findByHash: async () => {
        throw new Error('ECONNREFUSED');
      },
    };
    const failing = new KeyAuthenticator({ store: broken, events, clock });
    await assert.rejects(failing.authenticate(generateApiKeyToken().token, '10.0.0.1'), { code: 'STORE_UNAVAILABLE' });
    await failing.close();
  });

  test('while invalidations may be missed, cached entries live only the degraded TTL', async () => {
    let live = true;
    const listeners = new Set<KeyEventListener>();
    const deaf: KeyEvents = {
      publish: async () => {}, // changes are never announced
      subscribe: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      isLive: () => live,
      close: async () => {},
    };
    const replica = new KeyAuthenticator({ store, events: deaf, clock, degradedCacheTtlMs: 40 });
    const { key, token } = await service.create({ name: 'a', scopes: [] }, admin);
    await replica.authenticate(token, '10.0.0.1');
    await service.revoke(key.id, admin);
    await replica.authenticate(token, '10.0.0.1'); // live: the (stale) cache is trusted
    live = false;
    await new Promise((resolve) => setTimeout(resolve, 60));
    await assert.rejects(replica.authenticate(token, '10.0.0.1'), { details: { reason: 'revoked' } });
    await replica.close();
  });
});
