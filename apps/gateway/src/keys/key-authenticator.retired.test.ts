/**
 * A secret the key no longer holds says what happened to it (issue 16): after a rotation with grace 0 it
 * reads "rotated", and once the key is revoked every earlier secret reads "revoked", like the current one;
 * before, both read "unknown". Same story on the in-memory and the Redis store.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { ManualClock } from '../clock.ts';
import { createKeyStore } from './create-key-store.ts';
import { KeyAuthenticator } from './key-authenticator.ts';
import { MemoryKeyEvents } from './key-events.ts';
import { KeyService } from './key-service.ts';
import type { KeyStore } from './key-store.ts';
import { type RedisTestFixture, redisTestFixture } from './test-fixtures.ts';

const admin = { id: 'admin-token' };

function retiredSecretStory(name: string, makeStore: (clock: ManualClock) => Promise<KeyStore>) {
  describe(`retired secrets: ${name}`, () => {
    const setup = async () => {
      const clock = new ManualClock();
      const store = await makeStore(clock);
      const events = new MemoryKeyEvents();
      const service = new KeyService({ store, events, audit: createAuditLog({ clock }), clock });
      const auth = new KeyAuthenticator({ store, events, clock });
      return { store, service, auth };
    };
    const reason = (auth: KeyAuthenticator, token: string) =>
      auth.authenticate(token, '10.0.0.1').then(
        () => 'accepted',
        (error: Error & { details?: { reason?: string } }) => error.details?.reason ?? error.message,
      );

    test('rotate with grace 0, then revoke: the earlier secret reads rotated, then revoked', async () => {
      const { store, service, auth } = await setup();
      const { key, token: first } = await service.create({ name: 'a', scopes: [] }, admin);
      await auth.authenticate(first, '10.0.0.1'); // cached before the rotation
      const { token: second } = await service.rotate(key.id, { gracePeriodS: 0 }, admin);
      assert.equal(await reason(auth, first), 'rotated');
      await assert.rejects(auth.authenticate(first, '10.0.0.1'), /replaced by a rotation/);
      assert.equal(await reason(auth, second), 'accepted');
      await service.revoke(key.id, admin);
      assert.equal(await reason(auth, second), 'revoked');
      assert.equal(await reason(auth, first), 'revoked');
      // A replica that never saw the key answers the same from the store alone.
      const cold = new KeyAuthenticator({ store, events: new MemoryKeyEvents() });
      assert.equal(await reason(cold, first), 'revoked');
      await cold.close();
      await auth.close();
    });

    test('a secret dropped by a second rotation during its grace reads rotated, never accepted', async () => {
      const { service, auth } = await setup();
      const { key, token: first } = await service.create({ name: 'a', scopes: [] }, admin);
      await service.rotate(key.id, { gracePeriodS: 3600 }, admin);
      assert.equal(await reason(auth, first), 'accepted', 'inside its grace');
      const { token: third } = await service.rotate(key.id, { gracePeriodS: 3600 }, admin);
      assert.equal(await reason(auth, first), 'rotated');
      assert.equal(await reason(auth, third), 'accepted');
      await auth.close();
    });
  });
}

retiredSecretStory('memory', async (clock) => createKeyStore({ clock }));

let fixture: RedisTestFixture | undefined;
after(() => fixture?.close());
retiredSecretStory('redis', async (clock) => {
  fixture ??= await redisTestFixture('retired-secrets');
  return createKeyStore({ redis: fixture.redis, prefix: fixture.prefix, clock });
});
