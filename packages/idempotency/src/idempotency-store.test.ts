import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import { canonicalJson, fingerprintOf } from './canonical-json.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { MemoryIdempotencyStore } from './memory-idempotency-store.ts';
import { RedisIdempotencyStore } from './redis-idempotency-store.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One story, told to both implementations: they must not drift apart. */
function contract(label: string, store: IdempotencyStore) {
  describe(`idempotency store contract: ${label}`, () => {
    after(() => store.close());
    const fp = fingerprintOf({ text: 'hello', platform: 'twitter' });

    it('stores the first outcome and replays it to a retry with the same arguments', async () => {
      const scope = uniquePrefix('s');
      const first = await store.begin(scope, 'k1', fp, { attempt: { sentAt: 1 } });
      assert.equal(first.state, 'new');
      if (first.state !== 'new') return;
      const busy = await store.begin(scope, 'k1', fp);
      assert.equal(busy.state, 'in-progress');
      if (busy.state === 'in-progress') assert.ok(busy.retryAfterMs > 0);
      assert.equal(await store.complete(first.claim, { postSubmissionId: 'p-1' }), true);
      const retry = await store.begin(scope, 'k1', fp);
      assert.equal(retry.state, 'replay');
      if (retry.state === 'replay') assert.deepEqual(retry.outcome, { postSubmissionId: 'p-1' });
      assert.equal(await store.complete(first.claim, { postSubmissionId: 'p-2' }), false, 'the outcome is final');
    });

    it('refuses the same key with different arguments', async () => {
      const scope = uniquePrefix('s');
      await store.begin(scope, 'k1', fp);
      const other = await store.begin(scope, 'k1', fingerprintOf({ text: 'bye', platform: 'twitter' }));
      assert.deepEqual(other, { state: 'mismatch' });
      const otherScope = await store.begin(uniquePrefix('s'), 'k1', fp);
      assert.equal(otherScope.state, 'new', 'keys are scoped');
    });

    it('forgets an attempt released as having had no effect', async () => {
      const scope = uniquePrefix('s');
      const first = await store.begin(scope, 'k1', fp);
      assert.ok(first.state === 'new');
      assert.equal(await store.release(first.claim), true);
      assert.equal((await store.begin(scope, 'k1', fp)).state, 'new');
    });

    it('hands an uncertain outcome to one reconciler at a time, with what was attempted', async () => {
      const scope = uniquePrefix('s');
      const first = await store.begin(scope, 'k1', fp, { attempt: { sentAt: 123, text: 'hello' } });
      assert.ok(first.state === 'new');
      assert.equal(await store.markUncertain(first.claim, 'timed out after sending'), true);
      const reconcile = await store.begin(scope, 'k1', fp);
      assert.equal(reconcile.state, 'uncertain');
      if (reconcile.state !== 'uncertain') return;
      assert.deepEqual(reconcile.attempt, { sentAt: 123, text: 'hello' });
      assert.equal(reconcile.note, 'timed out after sending');
      assert.ok(reconcile.uncertainSince > 0);
      assert.equal((await store.begin(scope, 'k1', fp)).state, 'in-progress', 'a second reconciler waits');
      assert.equal(await store.release(reconcile.claim), true, 'found nothing yet: the record stays uncertain');
      const again = await store.begin(scope, 'k1', fp);
      assert.equal(again.state, 'uncertain');
      if (again.state !== 'uncertain') return;
      assert.equal(await store.complete(again.claim, { postSubmissionId: 'found' }), true);
      const replay = await store.begin(scope, 'k1', fp);
      assert.ok(replay.state === 'replay');
      assert.deepEqual(replay.outcome, { postSubmissionId: 'found' });
    });

    it('counts an attempt whose owner vanished (lease lapsed) as uncertain, yet lets that owner finish', async () => {
      const scope = uniquePrefix('s');
      const first = await store.begin(scope, 'k1', fp, { leaseMs: 50 });
      assert.ok(first.state === 'new');
      await sleep(80);
      const next = await store.begin(scope, 'k1', fp, { leaseMs: 5000 });
      assert.equal(next.state, 'uncertain');
      assert.equal(await store.markUncertain(first.claim), false, 'the lapsed owner no longer holds the record');
      assert.equal(await store.complete(first.claim, { postSubmissionId: 'late' }), true, 'but it knows the outcome');
      const replay = await store.begin(scope, 'k1', fp);
      assert.ok(replay.state === 'replay');
      assert.deepEqual(replay.outcome, { postSubmissionId: 'late' });
    });

    it('expires records', async () => {
      const scope = uniquePrefix('s');
      const first = await store.begin(scope, 'k1', fp, { ttlMs: 60 });
      assert.ok(first.state === 'new');
      await sleep(100);
      assert.equal((await store.begin(scope, 'k1', fp)).state, 'new');
    });
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } }),
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    assert.equal(fingerprintOf({ a: 1, b: 2 }), fingerprintOf({ b: 2, a: 1 }));
    assert.notEqual(fingerprintOf({ a: 1 }), fingerprintOf({ a: '1' }));
  });
});

contract('memory', new MemoryIdempotencyStore());
const redis = createRedis(SHARED_REDIS_URL, 'test:idempotency');
after(() => redis.quit());
contract('redis', new RedisIdempotencyStore(redis, uniquePrefix('idem')));
