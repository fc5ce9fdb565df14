import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedis } from '@switchboard/redis';
import type { Redis } from 'ioredis';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { ManualClock } from '../clock.ts';
import { createKeyStore } from './create-key-store.ts';
import { KeyAuthenticator } from './key-authenticator.ts';
import type { KeyEvents } from './key-events.ts';
import { KeyService } from './key-service.ts';
import { RedisKeyEvents } from './redis-key-events.ts';
import { countingKeyStore, type RedisTestFixture, redisTestFixture } from './test-fixtures.ts';

/**
 * Two gateway replicas ("a" and "b") on one Redis, each with its own clients, events subscriber and cache.
 * Admin changes go through replica a's KeyService; replica b must follow within 1 s.
 */
describe('two replicas on one Redis', () => {
  const admin = { id: 'admin-token' };
  const clock = new ManualClock(Date.now());
  let fixture: RedisTestFixture;
  const clients: Redis[] = [];
  let b: { auth: KeyAuthenticator; events: RedisKeyEvents; subscriber: Redis; reads: { count: number } };
  let a: { auth: KeyAuthenticator; events: KeyEvents; reads: { count: number } };
  let service: KeyService;

  const replica = (name: string) => {
    const redis = createRedis(fixture.url, `test:replica-${name}`);
    const publisher = createRedis(fixture.url, `test:replica-${name}-pub`);
    const subscriber = createRedis(fixture.url, `test:replica-${name}-sub`, { autoResubscribe: false });
    clients.push(redis, publisher, subscriber);
    const inner = createKeyStore({ redis, prefix: fixture.prefix, clock });
    const { store, counts } = countingKeyStore(inner);
    const reads = {
      get count() {
        return counts.findByHash;
      },
    };
    const events = new RedisKeyEvents({
      publisher,
      subscriber,
      channel: `${fixture.prefix}key-events`,
      ownsClients: false,
      heartbeatMs: 100,
    });
    // A 60 s cache: anything b learns within 1 s it learns from an invalidation, not from expiry.
    const auth = new KeyAuthenticator({ store, events, clock, cacheTtlMs: 60_000, negativeCacheTtlMs: 60_000 });
    return { store, events, auth, subscriber, reads };
  };

  /** Authenticates until the answer comes from the cache (no store read), i.e. the replica really cached it. */
  const warm = async (r: { auth: KeyAuthenticator; reads: { count: number } }, token: string) => {
    await until(async () => {
      const before = r.reads.count;
      await r.auth.authenticate(token, '10.0.0.1');
      return r.reads.count === before;
    }, 1000);
  };

  before(async () => {
    fixture = await redisTestFixture('replicas');
    const ra = replica('a');
    b = replica('b');
    a = ra;
    service = new KeyService({ store: ra.store, events: ra.events, audit: createAuditLog({ clock }), clock });
    await until(() => a.events.isLive() && b.events.isLive(), 3000);
  });

  after(async () => {
    await a.auth.close();
    await b.auth.close();
    await a.events.close();
    await b.events.close();
    await Promise.all(clients.map((c) => c.quit()));
    await fixture.close();
  });

  test('revoke through the service: the other replica refuses within 1 s', async () => {
    const { key, token } = await service.create({ name: 'alice', scopes: ['*'] }, admin);
    await warm(b, token);
    await warm(a, token);
    const started = performance.now();
    await service.revoke(key.id, admin);
    const elapsed = await refusedWithin(b.auth, token, 1000);
    assert.ok(elapsed < 1000, `b refused after ${Math.round(elapsed)} ms`);
    assert.ok(performance.now() - started < 1000);
    await assert.rejects(a.auth.authenticate(token, '10.0.0.1'), { details: { reason: 'revoked' } });
  });

  test('rotate with a grace period: both secrets work on both replicas during it, the old one fails after', async () => {
    const { key, token: first } = await service.create({ name: 'bob', scopes: ['gmail_*'] }, admin);
    await warm(b, first);
    const { token: second } = await service.rotate(key.id, { gracePeriodS: 3600 }, admin);
    await until(
      async () =>
        await b.auth.authenticate(second, '10.0.0.1').then(
          () => true,
          () => false,
        ),
      1000,
    );
    for (const auth of [a.auth, b.auth]) {
      assert.equal((await auth.authenticate(first, '10.0.0.1')).id, key.id);
      assert.equal((await auth.authenticate(second, '10.0.0.1')).id, key.id);
    }
    clock.advance(3600_000);
    for (const auth of [a.auth, b.auth]) {
      await assert.rejects(auth.authenticate(first, '10.0.0.1'), { details: { reason: 'rotated' } });
      assert.equal((await auth.authenticate(second, '10.0.0.1')).id, key.id);
    }

    // Rotating twice keeps only the newest two secrets: the first is gone at once, even inside a grace.
    const { token: third } = await service.rotate(key.id, { gracePeriodS: 3600 }, admin);
    await refusedWithin(b.auth, first, 1000);
    assert.equal((await b.auth.authenticate(second, '10.0.0.1')).id, key.id);
    assert.equal((await b.auth.authenticate(third, '10.0.0.1')).id, key.id);

    // grace 0: the previous secret dies now, on every replica.
    const { token: fourth } = await service.rotate(key.id, { gracePeriodS: 0 }, admin);
    await refusedWithin(b.auth, third, 1000);
    await refusedWithin(b.auth, second, 1000);
    assert.equal((await b.auth.authenticate(fourth, '10.0.0.1')).id, key.id);
  });

  test('expiry takes effect on a cached key the moment the clock passes it', async () => {
    const { token } = await service.create({ name: 'carol', scopes: [], expiresAt: clock.now() + 60_000 }, admin);
    await warm(b, token);
    const reads = b.reads.count;
    clock.advance(60_000);
    await assert.rejects(b.auth.authenticate(token, '10.0.0.1'), { details: { reason: 'expired' } });
    assert.equal(b.reads.count, reads, 'decided from the cache');
  });

  test('scope changes reach the other replica within 1 s', async () => {
    const { key, token } = await service.create({ name: 'dave', scopes: ['gmail_*'] }, admin);
    await warm(b, token);
    await service.update(key.id, { scopes: ['drive_*'] }, admin);
    await until(async () => (await b.auth.authenticate(token, '10.0.0.1')).scopes.includes('drive_*'), 1000);
  });

  test('with its subscriber disconnected, a replica still sees a revocation within 1 s, and resyncs after', async () => {
    const { key, token } = await service.create({ name: 'erin', scopes: [] }, admin);
    await warm(b, token);
    b.subscriber.disconnect(false);
    await until(() => !b.events.isLive(), 1000);
    await warm(b, token);
    await service.revoke(key.id, admin); // b does not hear this
    const served = await b.auth.authenticate(token, '10.0.0.1').then(
      () => true,
      () => false,
    );
    assert.equal(served, true, 'b still trusts its cache for a moment: it did not hear the revocation');
    const elapsed = await refusedWithin(b.auth, token, 1000);
    assert.ok(elapsed < 1000, `refused after ${Math.round(elapsed)} ms`);
    assert.ok(elapsed > 50, 'refused by cache expiry, not by an event');

    await b.subscriber.connect();
    await until(() => b.events.isLive(), 3000);
    const other = await service.create({ name: 'frank', scopes: [] }, admin);
    await warm(b, other.token);
    await service.revoke(other.key.id, admin);
    await refusedWithin(b.auth, other.token, 1000);
  });

  test('last-used marks from both replicas land in Redis without a write per request', async () => {
    const { key, token } = await service.create({ name: 'gina', scopes: [] }, admin);
    for (let i = 0; i < 20; i++) await b.auth.authenticate(token, '10.0.0.9');
    assert.equal((await service.get(key.id)).lastUsedAt, null);
    await b.auth.flushUsage();
    const stored = await service.get(key.id);
    assert.equal(stored.lastUsedAt, clock.now());
    assert.equal(stored.lastUsedIp, '10.0.0.9');
  });
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Polls until the token is refused; returns how long that took. */
async function refusedWithin(auth: KeyAuthenticator, token: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await until(
    () =>
      auth.authenticate(token, '10.0.0.1').then(
        () => false,
        () => true,
      ),
    timeoutMs,
  );
  return performance.now() - started;
}
