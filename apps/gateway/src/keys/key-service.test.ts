import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import type { AuditLog } from '../audit/audit-log.ts';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { ManualClock } from '../clock.ts';
import { hashApiKeyToken } from './api-key-token.ts';
import { createKeyStore } from './create-key-store.ts';
import { type KeyEvent, MemoryKeyEvents } from './key-events.ts';
import { KeyService } from './key-service.ts';
import type { KeyStore } from './key-store.ts';

const admin = { id: 'admin-token', ip: '127.0.0.1' };

describe('KeyService', () => {
  let clock: ManualClock;
  let store: KeyStore;
  let audit: AuditLog;
  let events: MemoryKeyEvents;
  let published: KeyEvent[];
  let service: KeyService;

  beforeEach(() => {
    clock = new ManualClock();
    store = createKeyStore({ clock });
    audit = createAuditLog({ clock });
    events = new MemoryKeyEvents();
    published = [];
    events.subscribe((e) => published.push(e));
    service = new KeyService({ store, events, audit, clock });
  });

  test('create stores only the hash, returns the plaintext once, audits and announces', async () => {
    const { key, token } = await service.create(
      { name: 'alice', owner: 'alice@example.com', scopes: ['gmail_*'] },
      admin,
    );
    assert.match(key.id, /^key_/);
    assert.equal(key.secrets.length, 1);
    assert.equal(key.secrets[0]!.hash, hashApiKeyToken(token));
    assert.equal(JSON.stringify(await store.get(key.id)).includes(token), false);
    assert.deepEqual(published, [{ type: 'invalidate', keyId: key.id, hashes: [hashApiKeyToken(token)] }]);
    const [entry] = (await audit.list({ limit: 10 })).items;
    assert.equal(entry?.action, 'key.create');
    assert.equal(entry?.outcome, 'success');
    assert.equal(entry?.actor, 'admin-token');
    assert.equal(entry?.target, key.id);
    assert.equal(JSON.stringify(entry).includes(token), false);
  });

  test('create refuses an expiry in the past', async () => {
    await assert.rejects(service.create({ name: 'x', scopes: [], expiresAt: clock.now() }, admin), {
      code: 'VALIDATION_FAILED',
    });
  });

  test('update changes only the given fields and announces the key', async () => {
    const { key } = await service.create({ name: 'alice', scopes: ['gmail_*'] }, admin);
    published.length = 0;
    clock.advance(1000);
    const updated = await service.update(key.id, { scopes: ['drive_*'], limits: { key: null } }, admin);
    assert.equal(updated.name, 'alice');
    assert.deepEqual(updated.scopes, ['drive_*']);
    assert.deepEqual(updated.limits, { key: null });
    assert.equal(updated.updatedAt, clock.now());
    assert.equal(published.length, 1);
    const [entry] = (await audit.list({ limit: 1 })).items;
    assert.deepEqual(entry?.details?.['fields'], ['scopes', 'limits']);
  });

  test('rotate keeps the previous secret for the grace period; rotating twice keeps only the newest two', async () => {
    const { key } = await service.create({ name: 'alice', scopes: [] }, admin);
    const first = key.secrets[0]!;
    const r1 = await service.rotate(key.id, { gracePeriodS: 3600 }, admin);
    assert.equal(r1.key.secrets.length, 2);
    assert.equal(r1.key.secrets[0]!.hash, hashApiKeyToken(r1.token));
    assert.equal(r1.key.secrets[1]!.hash, first.hash);
    assert.equal(r1.key.secrets[1]!.expiresAt, clock.now() + 3600_000);

    const r2 = await service.rotate(key.id, {}, admin);
    assert.deepEqual(
      r2.key.secrets.map((s) => s.hash),
      [hashApiKeyToken(r2.token), hashApiKeyToken(r1.token)],
    );
    assert.equal(r2.key.secrets[1]!.expiresAt, clock.now() + 86_400_000, 'default grace is 24 h');
    const last = published.at(-1);
    assert.ok(last?.type === 'invalidate');
    assert.ok(last.hashes.includes(hashApiKeyToken(r1.token)) && last.hashes.includes(hashApiKeyToken(r2.token)));
    assert.equal(await store.findByHash(first.hash), null, 'the oldest secret is gone');
  });

  test('rotate with grace 0 drops the old secret at once; a revoked key cannot be rotated', async () => {
    const { key } = await service.create({ name: 'alice', scopes: [] }, admin);
    const rotated = await service.rotate(key.id, { gracePeriodS: 0 }, admin);
    assert.equal(rotated.key.secrets.length, 1);
    await service.revoke(key.id, admin);
    await assert.rejects(service.rotate(key.id, {}, admin), { code: 'CONFLICT' });
    const [entry] = (await audit.list({ limit: 1 })).items;
    assert.equal(entry?.action, 'key.rotate');
    assert.equal(entry?.outcome, 'failure');
    assert.equal(entry?.reason, 'CONFLICT');
  });

  test('revoke is idempotent and status follows revocation and expiry', async () => {
    const { key } = await service.create({ name: 'a', scopes: [], expiresAt: clock.now() + 60_000 }, admin);
    assert.equal(service.statusOf(key), 'active');
    clock.advance(60_000);
    assert.equal(service.statusOf(await service.get(key.id)), 'expired');
    const revoked = await service.revoke(key.id, admin);
    const again = await service.revoke(key.id, admin);
    assert.equal(again.revokedAt, revoked.revokedAt);
    assert.equal(service.statusOf(again), 'revoked');
  });

  test('unknown ids are NOT_FOUND and the failed attempt is audited', async () => {
    await assert.rejects(service.get('key_nope'), { code: 'NOT_FOUND' });
    await assert.rejects(service.revoke('key_nope', admin), { code: 'NOT_FOUND' });
    const [entry] = (await audit.list({ limit: 1 })).items;
    assert.equal(entry?.outcome, 'failure');
    assert.equal(entry?.target, 'key_nope');
  });

  test('list filters by status and owner and pages with a cursor', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1);
      made.push((await service.create({ name: `k${i}`, owner: i % 2 ? 'bob' : 'alice', scopes: [] }, admin)).key);
    }
    await service.revoke(made[0]!.id, admin);
    const alice = await service.list({ owner: 'alice', status: 'active' });
    assert.deepEqual(
      alice.items.map((k) => k.name),
      ['k2', 'k4'],
    );
    const page1 = await service.list({ limit: 3 });
    const page2 = await service.list({ limit: 3, cursor: page1.nextCursor ?? undefined });
    assert.deepEqual(
      [...page1.items, ...page2.items].map((k) => k.name),
      ['k0', 'k1', 'k2', 'k3', 'k4'],
    );
    assert.equal(page2.nextCursor, null);
  });

  test('a change that cannot be announced is reported, not silently left stale on other replicas', async () => {
    const failing = new MemoryKeyEvents();
    failing.publish = async () => {
      throw new Error('redis down');
    };
    const svc = new KeyService({ store, events: failing, audit, clock });
    await assert.rejects(svc.create({ name: 'x', scopes: [] }, admin), { code: 'STORE_UNAVAILABLE' });
  });
});
