import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import { type IdempotencyStore, MemoryIdempotencyStore } from '@switchboard/idempotency';
import { type IdempotentWrite, idempotentWrite, type Reconciliation } from './idempotent-write.ts';

function write(store: IdempotencyStore, overrides: Partial<IdempotentWrite<string>> = {}) {
  let sends = 0;
  const w: IdempotentWrite<string> = {
    store,
    tool: 'publish_post',
    callerKeyId: 'key_a',
    idempotencyKey: 'key-0001',
    args: { text: 'hello' },
    derivedWindowMs: 60_000,
    leaseMs: 5_000,
    attempt: {},
    send: async () => `post-${++sends}`,
    reconcile: async (): Promise<Reconciliation<string>> => ({
      kind: 'missing',
      mayResend: false,
      retryAfterS: 9,
      why: 'not yet',
    }),
    ...overrides,
  };
  return { run: () => idempotentWrite(w), sends: () => sends };
}

async function code(promise: Promise<unknown>): Promise<string> {
  const e = await promise.catch((error: unknown) => error);
  assert.ok(e instanceof SwitchboardError, String(e));
  return e.code;
}

describe('idempotentWrite', () => {
  it('sends once and replays the first outcome; derives a key when none is given', async () => {
    const store = new MemoryIdempotencyStore();
    const w = write(store);
    assert.deepEqual(await w.run(), {
      outcome: 'post-1',
      idempotencyKey: 'key-0001',
      replayed: false,
      reconciled: false,
    });
    assert.deepEqual(await w.run(), {
      outcome: 'post-1',
      idempotencyKey: 'key-0001',
      replayed: true,
      reconciled: false,
    });
    assert.equal(w.sends(), 1);
    const derived = write(store, { idempotencyKey: undefined });
    const first = await derived.run();
    assert.match(first.idempotencyKey, /^auto-/);
    assert.equal((await derived.run()).replayed, true);
    assert.equal(await code(write(store, { args: { text: 'other' } }).run()), 'IDEMPOTENCY_MISMATCH');
  });

  it('frees the key after a refusal, keeps it uncertain after an unknown outcome, and does not resend until told', async () => {
    const store = new MemoryIdempotencyStore();
    const refused = write(store, {
      send: async () => {
        throw new SwitchboardError('VALIDATION_FAILED', 'bad');
      },
    });
    assert.equal(await code(refused.run()), 'VALIDATION_FAILED');
    assert.equal((await write(store).run()).outcome, 'post-1', 'the key was free again');

    const key = { idempotencyKey: 'key-0002' };
    const lost = write(store, {
      ...key,
      send: async () => {
        throw new SwitchboardError('OUTCOME_UNKNOWN', 'No answer.');
      },
    });
    assert.equal(await code(lost.run()), 'OUTCOME_UNKNOWN');
    const retry = write(store, key);
    assert.equal(await code(retry.run()), 'OUTCOME_UNKNOWN', 'not found yet: nothing is sent');
    assert.equal(retry.sends(), 0);
    const found = write(store, { ...key, reconcile: async () => ({ kind: 'found', outcome: 'post-found' }) });
    assert.deepEqual(await found.run(), {
      outcome: 'post-found',
      idempotencyKey: 'key-0002',
      replayed: true,
      reconciled: true,
    });
    assert.equal(found.sends(), 0);
  });

  it('sends nothing when the store cannot be reached', async () => {
    const broken = new MemoryIdempotencyStore();
    broken.begin = async () => {
      throw new Error('connection refused');
    };
    const w = write(broken);
    assert.equal(await code(w.run()), 'STORE_UNAVAILABLE');
    assert.equal(w.sends(), 0);
  });
});
