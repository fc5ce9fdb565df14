import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import type { GoogleGrant, GrantStore } from './grant-store.ts';
import { MemoryGrantStore } from './memory-grant-store.ts';
import { RedisGrantStore } from './redis-grant-store.ts';

function grant(keyId: string, grantId = 'g1'): GoogleGrant {
  const now = new Date().toISOString();
  return {
    keyId,
    grantId,
    accountId: 'alice@example.com',
    email: 'alice@example.com',
    scopes: ['https://www.googleapis.com/auth/gmail.readonly'],
    refreshTokenJwe: 'eyJ…',
    status: 'active',
    createdAt: now,
    updatedAt: now,
  };
}

const redis = createRedis(SHARED_REDIS_URL, 'grant-store-test');
after(() => redis.quit());

const stores: [string, () => GrantStore][] = [
  ['memory', () => new MemoryGrantStore()],
  ['redis', () => new RedisGrantStore({ redis, server: 'gmail', prefix: uniquePrefix('grants') })],
];

for (const [name, create] of stores) {
  describe(`grant store contract: ${name}`, () => {
    it('stores one grant per key and replaces it on reconnect', async () => {
      const store = create();
      assert.equal(await store.get('key_a'), undefined);
      assert.equal(await store.put(grant('key_a')), true);
      assert.equal((await store.get('key_a'))?.grantId, 'g1');
      assert.equal(await store.get('key_b'), undefined, 'another key sees nothing');
      await store.put(grant('key_a', 'g2'));
      assert.equal((await store.get('key_a'))?.grantId, 'g2');
      assert.deepEqual((await store.get('key_a'))?.scopes, ['https://www.googleapis.com/auth/gmail.readonly']);
    });

    it('marks a grant broken only if it is still the same link', async () => {
      const store = create();
      await store.put(grant('key_a', 'g2'));
      await store.markBroken('key_a', 'g1', 'invalid_grant');
      assert.equal((await store.get('key_a'))?.status, 'active', 'a stale failure does not break the new link');
      await store.markBroken('key_a', 'g2', 'invalid_grant');
      const broken = await store.get('key_a');
      assert.equal(broken?.status, 'broken');
      assert.equal(broken?.brokenReason, 'invalid_grant');
    });

    it('unlinks a grant and the key can link an account again', async () => {
      const store = create();
      await store.put(grant('key_u'));
      await store.put(grant('key_v'));
      assert.equal(await store.unlink('key_u'), true);
      assert.equal(await store.unlink('key_u'), false, 'nothing left to unlink');
      assert.equal(await store.get('key_u'), undefined);
      assert.equal((await store.get('key_v'))?.grantId, 'g1', 'another key keeps its grant');
      assert.equal(await store.isKeyDeleted('key_u'), false);
      assert.equal(await store.put(grant('key_u', 'g3')), true, 'relinking works');
    });

    it('deletes a key for good: a later put (a connect flow finishing late) is refused', async () => {
      const store = create();
      await store.put(grant('key_a'));
      await store.deleteKey('key_a');
      assert.equal(await store.get('key_a'), undefined);
      assert.equal(await store.isKeyDeleted('key_a'), true);
      assert.equal(await store.put(grant('key_a', 'g3')), false);
      assert.equal(await store.get('key_a'), undefined);
      assert.equal(await store.isKeyDeleted('key_b'), false);
    });

    it('hands a pending connect flow out once, and not after it expired', async () => {
      const store = create();
      const pending = {
        state: 'st1',
        keyId: 'key_a',
        codeVerifier: 'v',
        browserNonceHash: 'h',
        ticketIssuedAt: 1,
        expiresAt: Date.now() + 60_000,
      };
      await store.putPending(pending);
      assert.deepEqual(await store.takePending('st1'), pending);
      assert.equal(await store.takePending('st1'), undefined);
      await store.putPending({ ...pending, state: 'st2', expiresAt: Date.now() + 30 });
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(await store.takePending('st2'), undefined);
    });
  });
}
