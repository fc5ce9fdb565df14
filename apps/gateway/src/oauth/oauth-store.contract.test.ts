import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../clock.ts';
import { type RedisTestFixture, redisTestFixture } from '../keys/test-fixtures.ts';
import { MemoryOAuthStore } from './memory-oauth-store.ts';
import type { ClientRecord, CodeRecord, FamilyRecord, OAuthStore } from './oauth-store.ts';
import { RedisOAuthStore } from './redis-oauth-store.ts';

const hash = (n: number) => n.toString(16).padStart(64, '0');

function client(id: string, kind: ClientRecord['kind'] = 'dynamic'): ClientRecord {
  return {
    id,
    kind,
    name: `client ${id}`,
    redirectUris: ['https://claude.ai/api/mcp/auth_callback'],
    authMethod: 'none',
    secretHash: null,
    createdAt: 1,
    lastUsedAt: 1,
  };
}

const code: CodeRecord = {
  clientId: 'sbc_a',
  redirectUri: 'https://claude.ai/api/mcp/auth_callback',
  codeChallenge: 'c'.repeat(43),
  resource: 'https://gw.example.com/mcp',
  scope: 'mcp',
  keyId: 'key_1',
  secretFingerprint: 'fp',
  createdAt: 1,
  expiresAt: 60_001,
};

function family(id: string, keyId = 'key_1', createdAt = 1): FamilyRecord {
  return {
    id,
    clientId: 'sbc_a',
    keyId,
    secretFingerprint: 'fp',
    scope: 'mcp',
    resource: 'https://gw.example.com/mcp',
    createdAt,
    expiresAt: 1000,
  };
}

/** Both stores hold to the same contract; Redis runs on the shared server under a prefix of its own. */
function contract(name: string, make: () => Promise<OAuthStore>) {
  describe(`${name} OAuth store`, () => {
    it('keeps clients, touches them, lists pre-registered ones and deletes', async () => {
      const store = await make();
      await store.saveClient(client('sbc_a'), 60_000);
      await store.saveClient(client('sbc_b', 'preregistered'), null);
      assert.deepEqual(await store.getClient('sbc_a'), client('sbc_a'));
      await store.touchClient('sbc_a', 500, 60_000);
      assert.equal((await store.getClient('sbc_a'))?.lastUsedAt, 500);
      await store.touchClient('sbc_a', 100, 60_000);
      assert.equal((await store.getClient('sbc_a'))?.lastUsedAt, 500, 'an older use does not move it back');
      await store.touchClient('sbc_gone', 500, 60_000);
      assert.equal(await store.getClient('sbc_gone'), null, 'touching does not create');
      assert.deepEqual(
        (await store.listPreregisteredClients()).map((c) => c.id),
        ['sbc_b'],
      );
      assert.equal(await store.deleteClient('sbc_b'), true);
      assert.equal(await store.deleteClient('sbc_b'), false);
      assert.deepEqual(await store.listPreregisteredClients(), []);
      await store.rememberRegistration('digest', 'sbc_a', 60_000);
      assert.equal(await store.findRegistration('digest'), 'sbc_a');
      assert.equal(await store.findRegistration('other'), null);
    });

    it('redeems a code once and remembers which family it produced', async () => {
      const store = await make();
      await store.saveCode(hash(1), code, 600_000);
      assert.deepEqual(await store.getCode(hash(1)), code);
      assert.deepEqual(await store.consumeCode(hash(1), 'fam1'), { status: 'consumed', record: code });
      assert.deepEqual(await store.consumeCode(hash(1), 'fam2'), { status: 'already-used', familyId: 'fam1' });
      assert.deepEqual(await store.consumeCode(hash(2), 'fam3'), { status: 'missing' });
    });

    it('redeems a code once even when replicas race for it', async () => {
      const store = await make();
      await store.saveCode(hash(3), code, 600_000);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => store.consumeCode(hash(3), `fam${i}`)));
      assert.equal(outcomes.filter((o) => o.status === 'consumed').length, 1);
    });

    it('rotates refresh tokens, and a reused one deletes the family', async () => {
      const store = await make();
      await store.createFamily(family('f1'), hash(10), 60_000);
      assert.deepEqual(await store.getFamily('f1'), family('f1'));
      assert.equal(await store.rotateFamily('f1', hash(10), hash(11), 2000, 60_000), 'rotated');
      assert.equal((await store.getFamily('f1'))?.expiresAt, 2000);
      assert.equal(await store.rotateFamily('f1', hash(11), hash(12), 3000, 60_000), 'rotated');
      assert.equal(await store.rotateFamily('f1', hash(99), hash(13), 4000, 60_000), 'mismatch');
      assert.notEqual(await store.getFamily('f1'), null, 'an unknown token does not revoke anything');
      assert.equal(await store.rotateFamily('f1', hash(10), hash(14), 4000, 60_000), 'reused');
      assert.equal(await store.getFamily('f1'), null);
      assert.equal(await store.rotateFamily('f1', hash(12), hash(15), 4000, 60_000), 'missing');
    });

    it('rotates a token once even when two refreshes race', async () => {
      const store = await make();
      await store.createFamily(family('f2'), hash(20), 60_000);
      const outcomes = await Promise.all([
        store.rotateFamily('f2', hash(20), hash(21), 2000, 60_000),
        store.rotateFamily('f2', hash(20), hash(22), 2000, 60_000),
      ]);
      assert.deepEqual(outcomes.sort(), ['reused', 'rotated']);
    });

    it('lists the families of one key, and forgets deleted and reused ones', async () => {
      const store = await make();
      assert.deepEqual(await store.listFamiliesByKey('key_idx'), []);
      await store.createFamily(family('fi2', 'key_idx', 20), hash(30), 60_000);
      await store.createFamily(family('fi1', 'key_idx', 10), hash(31), 60_000);
      await store.createFamily(family('fi3', 'key_idx', 30), hash(32), 60_000);
      await store.createFamily(family('fo1', 'key_other', 5), hash(33), 60_000);
      assert.deepEqual(
        (await store.listFamiliesByKey('key_idx')).map((f) => f.id),
        ['fi1', 'fi2', 'fi3'],
        'oldest first, only that key',
      );
      assert.equal(await store.rotateFamily('fi2', hash(30), hash(34), 5000, 60_000), 'rotated');
      assert.equal((await store.listFamiliesByKey('key_idx')).find((f) => f.id === 'fi2')?.expiresAt, 5000);
      assert.equal(await store.deleteFamily('fi1'), true);
      assert.equal(await store.rotateFamily('fi3', hash(32), hash(35), 5000, 60_000), 'rotated');
      assert.equal(await store.rotateFamily('fi3', hash(32), hash(36), 5000, 60_000), 'reused');
      assert.deepEqual(
        (await store.listFamiliesByKey('key_idx')).map((f) => f.id),
        ['fi2'],
      );
      assert.deepEqual(
        (await store.listFamiliesByKey('key_other')).map((f) => f.id),
        ['fo1'],
      );
    });

    it('keeps the first signing keys stored', async () => {
      const store = await make();
      assert.equal(await store.claimSigningKeys('first'), 'first');
      assert.equal(await store.claimSigningKeys('second'), 'first');
    });
  });
}

contract('memory', async () => new MemoryOAuthStore());

const fixtures: RedisTestFixture[] = [];
contract('Redis', async () => {
  const fixture = await redisTestFixture('oauth-store');
  fixtures.push(fixture);
  return new RedisOAuthStore(fixture.redis, { prefix: fixture.prefix });
});

describe('Redis OAuth store layout', () => {
  it('puts a hash tag in every key, so Redis Cluster keeps each script on one slot', async () => {
    const fixture = await redisTestFixture('oauth-layout');
    fixtures.push(fixture);
    const store = new RedisOAuthStore(fixture.redis, { prefix: fixture.prefix });
    await store.saveClient(client('sbc_x', 'preregistered'), null);
    await store.rememberRegistration('d', 'sbc_x', 1000);
    await store.saveCode(hash(1), code, 1000);
    await store.createFamily(family('f'), hash(2), 1000);
    await store.claimSigningKeys('k');
    const keys = await fixture.keys();
    assert.equal(keys.length, 7, keys.join(' '));
    for (const key of keys) assert.match(key, /\{[^}]+\}$/, key);
    const ttl = await fixture.redis.pttl(`${fixture.prefix}oauth:code:{${hash(1)}}`);
    assert.ok(ttl > 0 && ttl <= 1000);
  });

  it('prunes the by-key index of families that expired', async () => {
    const fixture = await redisTestFixture('oauth-index');
    fixtures.push(fixture);
    const store = new RedisOAuthStore(fixture.redis, { prefix: fixture.prefix });
    await store.createFamily(family('short', 'key_p'), hash(40), 20);
    await store.createFamily(family('long', 'key_p', 2), hash(41), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.deepEqual(
      (await store.listFamiliesByKey('key_p')).map((f) => f.id),
      ['long'],
    );
    assert.deepEqual(await fixture.redis.smembers(`${fixture.prefix}oauth:key-families:{key_p}`), ['long']);
  });
});

describe('memory OAuth store expiry', () => {
  it('forgets entries when their TTL passes on its clock', async () => {
    const clock = new ManualClock();
    const store = new MemoryOAuthStore({ clock });
    await store.saveClient(client('sbc_t'), 1000);
    await store.saveCode(hash(5), code, 1000);
    clock.advance(1000);
    assert.equal(await store.getClient('sbc_t'), null);
    assert.equal(await store.getCode(hash(5)), null);
  });
});

after(async () => {
  for (const fixture of fixtures) await fixture.close();
});
