import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../clock.ts';
import { generateApiKeyToken } from './api-key-token.ts';
import { createKeyStore } from './create-key-store.ts';
import { newKeyId } from './key-id.ts';
import type { KeyRecord } from './key-record.ts';
import { type KeyStore, RETIRED_SECRET_TTL_MS } from './key-store.ts';
import { type RedisTestFixture, redisTestFixture } from './test-fixtures.ts';

/** The same contract for every KeyStore: the in-memory default and Redis. */
function keyStoreContract(
  name: string,
  setup: () => Promise<{ store: KeyStore; clock: ManualClock; close(): Promise<void> }>,
) {
  describe(`KeyStore contract: ${name}`, () => {
    let store: KeyStore;
    let clock: ManualClock;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, clock, close } = await setup());
    });
    after(() => close());

    const record = (overrides: Partial<KeyRecord> = {}): { record: KeyRecord; token: string } => {
      clock.advance(1);
      const issued = generateApiKeyToken();
      const now = clock.now();
      return {
        token: issued.token,
        record: {
          id: newKeyId(now),
          name: 'alice laptop',
          owner: 'alice@example.com',
          scopes: ['gmail_*'],
          limits: { key: { limit: 100, window_s: 60 } },
          createdAt: now,
          updatedAt: now,
          expiresAt: null,
          revokedAt: null,
          lastUsedAt: null,
          lastUsedIp: null,
          secrets: [{ hash: issued.hash, prefix: issued.prefix, createdAt: now, expiresAt: null }],
          ...overrides,
        },
      };
    };

    test('insert then get and findByHash return the record; unknown ids and hashes give null', async () => {
      const { record: r } = record();
      await store.insert(r);
      assert.deepEqual(await store.get(r.id), r);
      const match = await store.findByHash(r.secrets[0]!.hash);
      assert.deepEqual(match?.record, r);
      assert.equal(match?.secret.prefix, r.secrets[0]!.prefix);
      assert.equal(await store.get('key_doesnotexist'), null);
      assert.equal(await store.findByHash(generateApiKeyToken().hash), null);
    });

    test('insert refuses an existing id with CONFLICT', async () => {
      const { record: r } = record();
      await store.insert(r);
      await assert.rejects(store.insert(r), { code: 'CONFLICT' });
    });

    test('update replaces the record and re-points the hash index; removed secrets stop matching', async () => {
      const { record: r } = record();
      await store.insert(r);
      const next = generateApiKeyToken();
      const result = await store.update(r.id, (current) => ({
        ...current,
        name: 'renamed',
        secrets: [{ hash: next.hash, prefix: next.prefix, createdAt: clock.now(), expiresAt: null }],
      }));
      assert.equal(result?.before.name, 'alice laptop');
      assert.equal(result?.after.name, 'renamed');
      assert.equal((await store.get(r.id))?.name, 'renamed');
      assert.equal((await store.findByHash(next.hash))?.record.id, r.id);
      assert.equal(await store.findByHash(r.secrets[0]!.hash), null);
    });

    test('a removed secret is remembered as retired (key id, prefix, when; never the token) for the TTL', async () => {
      const { record: r, token } = record();
      await store.insert(r);
      const old = r.secrets[0]!;
      assert.equal(await store.findRetired(old.hash), null, 'a current secret is not retired');
      const next = generateApiKeyToken();
      await store.update(r.id, (current) => ({
        ...current,
        secrets: [{ hash: next.hash, prefix: next.prefix, createdAt: clock.now(), expiresAt: null }],
      }));
      const retired = await store.findRetired(old.hash);
      assert.deepEqual(retired, { keyId: r.id, prefix: old.prefix, retiredAt: clock.now() });
      assert.equal(JSON.stringify(retired).includes(token), false);
      assert.equal(await store.findByHash(old.hash), null, 'a retired secret never matches as a live one');
      assert.equal(await store.findRetired(next.hash), null);
      assert.equal(await store.findRetired(generateApiKeyToken().hash), null);
      clock.advance(RETIRED_SECRET_TTL_MS);
      assert.equal(await store.findRetired(old.hash), null, 'forgotten after the TTL');
    });

    test('a secret in its rotation grace is retired only once the grace is over, at its end', async () => {
      const { record: r } = record();
      const second = generateApiKeyToken();
      const graceEnd = clock.now() + 60_000;
      await store.insert({
        ...r,
        secrets: [
          { hash: second.hash, prefix: second.prefix, createdAt: clock.now(), expiresAt: null },
          { ...r.secrets[0]!, expiresAt: graceEnd },
        ],
      });
      assert.equal(await store.findRetired(r.secrets[0]!.hash), null);
      clock.advance(60_000);
      assert.deepEqual(await store.findRetired(r.secrets[0]!.hash), {
        keyId: r.id,
        prefix: r.secrets[0]!.prefix,
        retiredAt: graceEnd,
      });
    });

    test('update of an unknown id is null; a throwing change leaves the record untouched', async () => {
      assert.equal(await store.update('key_missing', (c) => c), null);
      const { record: r } = record();
      await store.insert(r);
      await assert.rejects(
        store.update(r.id, () => {
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.deepEqual(await store.get(r.id), r);
    });

    test('concurrent updates do not lose writes', async () => {
      const { record: r } = record({ scopes: [] });
      await store.insert(r);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.update(r.id, (current) => ({ ...current, scopes: [...current.scopes, `tool_${i}`] })),
        ),
      );
      assert.equal((await store.get(r.id))?.scopes.length, 8);
    });

    test('two secrets of one key both match (rotation grace)', async () => {
      const { record: r } = record();
      const second = generateApiKeyToken();
      const withTwo: KeyRecord = {
        ...r,
        secrets: [
          { hash: second.hash, prefix: second.prefix, createdAt: clock.now(), expiresAt: null },
          { ...r.secrets[0]!, expiresAt: clock.now() + 60_000 },
        ],
      };
      await store.insert(withTwo);
      assert.equal((await store.findByHash(second.hash))?.secret.expiresAt, null);
      assert.equal((await store.findByHash(r.secrets[0]!.hash))?.secret.expiresAt, clock.now() + 60_000);
    });

    test('markUsed keeps the newest mark, ignores unknown ids, and is not overwritten by update', async () => {
      const { record: r } = record();
      await store.insert(r);
      await store.markUsed([
        { keyId: r.id, at: 2000, ip: '10.0.0.2' },
        { keyId: 'key_unknown', at: 5, ip: '10.0.0.9' },
      ]);
      await store.markUsed([{ keyId: r.id, at: 1000, ip: '10.0.0.1' }]);
      await store.update(r.id, (c) => ({ ...c, name: 'x', lastUsedAt: null, lastUsedIp: null }));
      const stored = await store.get(r.id);
      assert.equal(stored?.lastUsedAt, 2000);
      assert.equal(stored?.lastUsedIp, '10.0.0.2');
      assert.equal(await store.get('key_unknown'), null);
    });

    test('list pages through every key in creation order, with filters', async () => {
      const mine = `owner-${Math.random()}`;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const { record: r } = record({ owner: mine, revokedAt: i % 3 === 0 ? clock.now() : null });
        await store.insert(r);
        ids.push(r.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ cursor, limit: 2, matches: (r) => r.owner === mine });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      assert.deepEqual(seen, ids);

      const revoked = await store.list({ limit: 50, matches: (r) => r.owner === mine && r.revokedAt !== null });
      assert.deepEqual(
        revoked.items.map((r) => r.id),
        [ids[0], ids[3], ids[6]],
      );
    });
  });
}

keyStoreContract('memory', async () => {
  const clock = new ManualClock();
  return { store: createKeyStore({ clock }), clock, close: async () => {} };
});

let fixture: RedisTestFixture;
keyStoreContract('redis', async () => {
  fixture = await redisTestFixture('keystore');
  const clock = new ManualClock();
  return {
    store: createKeyStore({ redis: fixture.redis, prefix: fixture.prefix, clock }),
    clock,
    close: () => fixture.close(),
  };
});
