import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isSwitchboardError } from '@switchboard/errors';
import { createAuditLog } from '../audit/create-audit-log.ts';
import { ManualClock } from '../clock.ts';
import { createKeyStore, hashApiKeyToken, KeyAuthenticator, KeyService, MemoryKeyEvents } from '../keys/index.ts';
import { countingKeyStore } from '../keys/test-fixtures.ts';
import { AccessTokenAuthenticator } from './access-token-authenticator.ts';
import { AccessTokens } from './access-tokens.ts';
import { BoundKeys } from './bound-keys.ts';
import { CompositeAuthenticator } from './composite-authenticator.ts';
import { MemoryOAuthStore } from './memory-oauth-store.ts';
import { secretFingerprint } from './oauth-secrets.ts';
import { SigningKeys } from './signing-keys.ts';

const ISSUER = 'https://gw.example.com';
const RESOURCE = `${ISSUER}/mcp`;

async function setup(options: { cacheTtlMs?: number } = {}) {
  const clock = new ManualClock(Date.now());
  const { store: counted, counts } = countingKeyStore(createKeyStore({ clock }));
  // `storeDown` makes every read fail as Redis would while it is away.
  const outage = { down: false };
  const unavailable = () => Promise.reject(new Error('connect ECONNREFUSED'));
  const store = {
    ...counted,
    get: (id: string) => (outage.down ? unavailable() : counted.get(id)),
    findByHash: (hash: string) => (outage.down ? unavailable() : counted.findByHash(hash)),
  } as typeof counted;
  const events = new MemoryKeyEvents();
  const keys = new KeyService({ store, events, audit: createAuditLog({ clock }), clock });
  const ttl = options.cacheTtlMs === undefined ? {} : { cacheTtlMs: options.cacheTtlMs };
  const bound = new BoundKeys({ store, events, clock, ...ttl });
  const { keys: signing } = await SigningKeys.load({ configured: undefined, store: new MemoryOAuthStore() });
  const tokens = new AccessTokens({ keys: signing, issuer: ISSUER, resource: RESOURCE, ttlS: 600, clock });
  const oauth = new AccessTokenAuthenticator({ tokens, keys: bound, clock });
  const apiKeys = new KeyAuthenticator({ store, events, clock, ...ttl });
  const composite = new CompositeAuthenticator({ apiKeys, accessTokens: oauth, apiKeyPrefix: 'sb_' });
  const issued = await keys.create({ name: 'laptop', owner: 'ada', scopes: ['gmail_*'] }, { id: 'test' });
  const grant = {
    keyId: issued.key.id,
    secretFingerprint: secretFingerprint(hashApiKeyToken(issued.token)),
    clientId: 'sbc_x',
    scope: 'mcp',
    familyId: 'fam',
  };
  const closeAll = async () => {
    await bound.close();
    await apiKeys.close();
  };
  return { clock, counts, keys, tokens, composite, issued, grant, signing, outage, close: closeAll };
}

async function refusedWith(promise: Promise<unknown>, code: string, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isSwitchboardError(error));
    assert.equal(error.code, code);
    assert.match(error.message, reason);
    return true;
  });
}

describe('/mcp authentication of OAuth access tokens', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('returns the bound key as the API key authenticator would, and costs no store read when warm', async () => {
    const t = await setup();
    cleanups.push(t.close);
    const { token } = await t.tokens.issue(t.grant);
    const viaToken = await t.composite.authenticate(token, '10.0.0.1');
    const viaKey = await t.composite.authenticate(t.issued.token, '10.0.0.1');
    assert.deepEqual({ ...viaToken }, { ...viaKey });
    assert.equal(viaToken.id, t.issued.key.id);
    assert.deepEqual(viaToken.scopes, ['gmail_*']);
    const reads = t.counts.get;
    for (let i = 0; i < 100; i++) await t.composite.authenticate(token, '10.0.0.1');
    assert.equal(t.counts.get, reads);
  });

  it('keeps known keys and their tokens working through a store outage, and refuses unknown ones with 503', async () => {
    const t = await setup({ cacheTtlMs: 1 });
    cleanups.push(t.close);
    const { token } = await t.tokens.issue(t.grant);
    await t.composite.authenticate(token, '10.0.0.1');
    await t.composite.authenticate(t.issued.token, '10.0.0.1');
    const other = await t.keys.create({ name: 'never used', scopes: ['*'] }, { id: 'test' });
    await new Promise((r) => setTimeout(r, 5)); // both cache entries have expired
    t.outage.down = true;
    assert.equal((await t.composite.authenticate(token, '10.0.0.1')).id, t.issued.key.id);
    assert.equal((await t.composite.authenticate(t.issued.token, '10.0.0.1')).id, t.issued.key.id);
    await refusedWith(t.composite.authenticate(other.token, '10.0.0.1'), 'STORE_UNAVAILABLE', /unavailable/);
    t.clock.advance(24 * 3600 * 1000);
    await refusedWith(t.composite.authenticate(token, '10.0.0.1'), 'UNAUTHENTICATED', /expired/);
  });

  it('refuses a token once its key is revoked, expired, or its secret rotated out after the grace', async () => {
    const t = await setup();
    cleanups.push(t.close);
    const { token } = await t.tokens.issue(t.grant);
    await t.composite.authenticate(token, '10.0.0.1');

    await t.keys.rotate(t.issued.key.id, { gracePeriodS: 60 }, { id: 'test' });
    await t.composite.authenticate(token, '10.0.0.1');
    t.clock.advance(60_000);
    await refusedWith(t.composite.authenticate(token, '10.0.0.1'), 'UNAUTHENTICATED', /rotated out/);

    const second = await setup();
    cleanups.push(second.close);
    const { token: other } = await second.tokens.issue(second.grant);
    await second.composite.authenticate(other, '10.0.0.1');
    await second.keys.revoke(second.issued.key.id, { id: 'test' });
    await refusedWith(second.composite.authenticate(other, '10.0.0.1'), 'UNAUTHENTICATED', /revoked/);

    const third = await setup();
    cleanups.push(third.close);
    const { token: expiring } = await third.tokens.issue(third.grant);
    await third.keys.update(third.issued.key.id, { expiresAt: third.clock.now() + 1000 }, { id: 'test' });
    third.clock.advance(1000);
    await refusedWith(third.composite.authenticate(expiring, '10.0.0.1'), 'UNAUTHENTICATED', /expired/);
  });

  it('refuses an expired token, also one it verified and cached before', async () => {
    const t = await setup();
    cleanups.push(t.close);
    const { token } = await t.tokens.issue(t.grant);
    await t.composite.authenticate(token, '10.0.0.1');
    t.clock.advance(600_000);
    await refusedWith(t.composite.authenticate(token, '10.0.0.1'), 'UNAUTHENTICATED', /expired/);
    const fresh = (await t.tokens.issue(t.grant)).token;
    t.clock.advance(601_000);
    await refusedWith(t.composite.authenticate(fresh, '10.0.0.1'), 'UNAUTHENTICATED', /expired/);
  });

  it('refuses tokens for another audience, and asks for the mcp scope with SCOPE_DENIED', async () => {
    const t = await setup();
    cleanups.push(t.close);
    const { token } = await t.tokens.issue(t.grant, 'https://other.example.com/mcp');
    await refusedWith(t.composite.authenticate(token, '10.0.0.1'), 'UNAUTHENTICATED', /another resource/);
    const { token: narrow } = await t.tokens.issue({ ...t.grant, scope: 'profile' });
    await assert.rejects(t.composite.authenticate(narrow, '10.0.0.1'), (error) => {
      assert.ok(isSwitchboardError(error));
      assert.equal(error.code, 'SCOPE_DENIED');
      assert.equal(error.details?.['oauth_error'], 'insufficient_scope');
      return true;
    });
    await refusedWith(t.composite.authenticate('garbage', '10.0.0.1'), 'UNAUTHENTICATED', /neither/);
  });
});
