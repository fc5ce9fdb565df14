import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import { createGovernor } from '@switchboard/governor';
import { type FakeBlotato, startFakeBlotato } from '../../../test/fakes/blotato/index.ts';
import { BlotatoClient } from './blotato-client.ts';
import { defaultBudgets } from './budgets.ts';

const ctx = { callerKey: 'key_test' };

async function failure(promise: Promise<unknown>): Promise<SwitchboardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof SwitchboardError, `expected a SwitchboardError, got ${String(error)}`);
  return error;
}

describe('BlotatoClient', () => {
  let fake: FakeBlotato;
  let client: BlotatoClient;
  const governor = createGovernor({ upstream: 'blotato', budgets: defaultBudgets(0.9), maxWaitMs: 5000 });
  const requests: { route: string; status: number | 'error' }[] = [];
  before(async () => {
    fake = await startFakeBlotato({ publishDelayMs: 50 });
    client = new BlotatoClient({
      baseUrl: fake.url,
      apiKey: fake.apiKey,
      governor,
      timeoutMs: 500,
      onRequest: (e) => requests.push(e),
    });
  });
  after(async () => {
    await client.close();
    await governor.close();
    await fake.close();
  });

  it('sends the key unchanged and drops the key Blotato echoes from /users/me', async () => {
    const user = await client.getUser(ctx);
    assert.equal(user.id, 'user_fake_1');
    assert.equal(user.subscriptionPlan, 'creator');
    assert.equal('apiKey' in user, false);
    assert.equal(JSON.stringify(user).includes(fake.apiKey), false);
  });

  it('maps a rejected key to UPSTREAM_AUTH with upstream, route and status, and never echoes the key', async () => {
    const wrong = new BlotatoClient({ baseUrl: fake.url, apiKey: 'stripped-key', governor, timeoutMs: 500 });
    const e = await failure(wrong.listAccounts(ctx));
    await wrong.close();
    assert.equal(e.code, 'UPSTREAM_AUTH');
    assert.deepEqual(e.context, { upstream: 'blotato', route: 'GET /v2/users/me/accounts', upstreamStatus: 401 });
    assert.match(e.message, /BLOTATO_API_KEY/);
    assert.equal(e.message.includes('stripped-key'), false);
  });

  it('maps 422 to VALIDATION_FAILED with Blotato’s message', async () => {
    const e = await failure(
      client.createPost(ctx, {
        post: {
          accountId: '98433',
          content: { text: 'x', mediaUrls: [], platform: 'facebook' },
          target: { targetType: 'facebook' },
        },
      }),
    );
    assert.equal(e.code, 'VALIDATION_FAILED');
    assert.equal(e.details?.['upstream_message'], 'Wrong Page ID');
    assert.equal(e.context?.upstreamStatus, 422);
  });

  it('retries a safe read after a reset or a 500, but never repeats a post', async () => {
    fake.setMode('GET /v2/credits', 'reset', { times: 1 });
    fake.setMode('GET /v2/users/me', 'error-500', { times: 1 });
    assert.equal(typeof (await client.getCredits(ctx)).creditsRemaining, 'number');
    assert.equal((await client.getUser(ctx)).id, 'user_fake_1');

    fake.setMode('POST /v2/posts', 'error-500', { times: 1 });
    const before = fake.state.requests['POST /v2/posts'] ?? 0;
    const e = await failure(
      client.createPost(ctx, {
        post: {
          accountId: '98432',
          content: { text: 'x', mediaUrls: [], platform: 'twitter' },
          target: { targetType: 'twitter' },
        },
      }),
    );
    assert.equal(e.code, 'OUTCOME_UNKNOWN');
    assert.equal((fake.state.requests['POST /v2/posts'] ?? 0) - before, 1, 'sent once, not retried');
  });

  it('calls a post that got no answer in time OUTCOME_UNKNOWN, though Blotato created it', async () => {
    fake.setMode('POST /v2/posts', 'hang-after-accept', { times: 1 });
    const count = fake.state.posts.length;
    const e = await failure(
      client.createPost(ctx, {
        post: {
          accountId: '98432',
          content: { text: 'hang', mediaUrls: [], platform: 'twitter' },
          target: { targetType: 'twitter' },
        },
      }),
    );
    assert.equal(e.code, 'OUTCOME_UNKNOWN');
    assert.match(e.message, /No answer within/);
    assert.equal(fake.state.posts.length, count + 1);
  });

  it('pauses the budget on a 429, honours "retry in N seconds", and tries once more', async () => {
    fake.setMode('GET /v2/posts', 'rate-limit', { times: 1, retryInS: 1 });
    const started = Date.now();
    const listed = await client.listPosts(ctx, {});
    assert.ok(Array.isArray(listed.items));
    assert.ok(Date.now() - started >= 900, 'waited for the pause Blotato asked for');
    assert.equal(governor.snapshot()['post_list']?.upstream429s, 1);
  });

  it('refuses with RATE_LIMITED when Blotato’s pause outlasts the wait bound', async () => {
    fake.setMode('GET /v2/schedules', 'rate-limit', { times: 1, retryInS: 40 });
    const e = await failure(client.listSchedules(ctx, {}));
    assert.equal(e.code, 'RATE_LIMITED');
    assert.ok((e.retryAfterS ?? 0) >= 39, `retry after ${e.retryAfterS}`);
  });

  it('logs route and status only', () => {
    assert.ok(requests.length > 0);
    for (const r of requests) assert.deepEqual(Object.keys(r).sort(), ['attempt', 'durationMs', 'route', 'status']);
  });

  it('answers NOT_CONFIGURED, naming the variable, without a key', async () => {
    const unconfigured = new BlotatoClient({ baseUrl: fake.url, apiKey: undefined, governor, timeoutMs: 500 });
    const e = await failure(unconfigured.getCredits(ctx));
    await unconfigured.close();
    assert.equal(e.code, 'NOT_CONFIGURED');
    assert.match(e.message, /BLOTATO_API_KEY/);
  });
});
