import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { readToolError } from '@switchboard/errors';
import { createRedis } from '@switchboard/redis';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { type FakeBlotato, startFakeBlotato } from '../../../test/fakes/blotato/index.ts';
import { buildBlotatoServer } from './build-blotato-server.ts';
import { loadBlotatoConfig } from './config.ts';

const SECRET = 'b'.repeat(48);
const signer = new CallerAssertionSigner({ secrets: [SECRET] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');

interface Harness {
  app: FastifyInstance;
  url: string;
  client(keyId: string): Promise<Client>;
  call(keyId: string, name: string, args?: Record<string, unknown>): Promise<any>;
  close(): Promise<void>;
}

async function startServer(env: Record<string, string>, redis?: Redis): Promise<Harness> {
  const config = loadBlotatoConfig({ CALLER_ASSERTION_SECRET: SECRET, LOG_LEVEL: 'silent', ...env });
  const app = buildBlotatoServer(config, redis === undefined ? {} : { redis });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const clients = new Map<string, Client>();
  const client = async (keyId: string) => {
    let c = clients.get(keyId);
    if (c === undefined) {
      c = new Client({ name: 'blotato-test', version: '1' }, { versionNegotiation: { mode: 'auto' } });
      const token = await signer.sign({ keyId, scopes: ['*'] }, 'blotato');
      await c.connect(
        new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      clients.set(keyId, c);
    }
    return c;
  };
  return {
    app,
    url,
    client,
    call: async (keyId, name, args = {}) => (await client(keyId)).callTool({ name, arguments: args }),
    async close() {
      for (const c of clients.values()) await c.close();
      await app.close();
    },
  };
}

describe('Blotato tool server, end to end (official MCP client → tool server → fake Blotato, Redis)', () => {
  let fake: FakeBlotato;
  let redisServer: TestRedisServer;
  let redis: Redis;
  let server: Harness;

  before(async () => {
    fake = await startFakeBlotato({ publishDelayMs: 150, visualStepMs: 40 });
    redisServer = await startRedisServer();
    redis = createRedis(redisServer.url, 'blotato-e2e');
    server = await startServer(
      {
        BLOTATO_API_KEY: fake.apiKey,
        BLOTATO_BASE_URL: fake.url,
        BLOTATO_TIMEOUT_MS: '700',
        BLOTATO_RECONCILE_SETTLE_S: '2',
        BLOTATO_POST_POLL_MS: '100',
        BLOTATO_VISUAL_POLL_MS: '100',
        // These tests publish faster than Blotato's pace on purpose; the governor's pacing has its own tests.
        BLOTATO_BUDGETS: JSON.stringify({ post_create: 600, post_status: 600, other: 600 }),
      },
      redis,
    );
  });
  after(async () => {
    await server.close();
    await redis.quit();
    await redisServer.stop();
    await fake.close();
  });

  it('lists every tool with its schemas and annotations', async () => {
    const { tools } = await (await server.client('key_a')).listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'cancel_scheduled_post',
      'create_upload_url',
      'create_visual',
      'get_credits',
      'get_post_status',
      'get_visual_status',
      'get_visual_template',
      'import_media',
      'list_accounts',
      'list_pinterest_boards',
      'list_posts',
      'list_scheduled_posts',
      'list_visual_templates',
      'prepare_post',
      'publish_post',
      'reschedule_post',
    ]);
    for (const t of tools) {
      assert.ok(t.outputSchema, `${t.name} has an outputSchema`);
      assert.equal(typeof t.annotations?.readOnlyHint, 'boolean', `${t.name} has annotations`);
      assert.equal(typeof t.annotations?.openWorldHint, 'boolean');
    }
    assert.equal(tools.find((t) => t.name === 'cancel_scheduled_post')?.annotations?.destructiveHint, true);
    assert.equal(tools.find((t) => t.name === 'publish_post')?.annotations?.readOnlyHint, false);
  });

  it('lists connected accounts with their pages', async () => {
    const r = await server.call('key_a', 'list_accounts');
    assert.equal(r.isError, undefined);
    const facebook = r.structuredContent.accounts.find((a: any) => a.platform === 'facebook');
    assert.deepEqual(facebook.pages, [{ page_id: '123456789', name: 'My Business Page' }]);
    assert.match(r.content[0].text, /account_id 98432/);
    const boards = await server.call('key_a', 'list_pinterest_boards', { account_id: '98436' });
    assert.equal(boards.structuredContent.boards.length, 2);
  });

  it('prepares a post without sending anything, listing what is missing', async () => {
    const before = fake.state.requests['POST /v2/posts'] ?? 0;
    const bad = await server.call('key_a', 'prepare_post', {
      account_id: '98435',
      platform: 'tiktok',
      text: 'dance',
      media_urls: ['https://cdn.example/v.mp4'],
      options: { privacy_level: 'SELF_ONLY' },
    });
    assert.equal(bad.structuredContent.valid, false);
    assert.equal(bad.structuredContent.issues.length, 6, 'the six TikTok booleans');
    const good = await server.call('key_a', 'prepare_post', {
      account_id: '98433',
      platform: 'facebook',
      text: 'Opening hours',
      options: { page_id: '123456789' },
      scheduled_time: inAnHour(),
    });
    assert.equal(good.structuredContent.valid, true);
    assert.equal(good.structuredContent.request_body.post.target.pageId, '123456789');
    assert.ok(good.structuredContent.request_body.scheduledTime, 'scheduledTime at the root');
    assert.equal(fake.state.requests['POST /v2/posts'] ?? 0, before, 'nothing was sent');
  });

  it('publishes at once, then follows the status to published with progress notifications', async () => {
    const text = `Now ${randomUUID()}`;
    const r = await server.call('key_a', 'publish_post', { account_id: '98432', platform: 'twitter', text });
    assert.equal(r.isError, undefined, JSON.stringify(r.content));
    const id = r.structuredContent.post_submission_id;
    assert.equal(r.structuredContent.state, 'submitted');
    const post = fake.state.posts.find((p) => p.text === text);
    assert.equal(post?.postSubmissionId, id);
    assert.equal(post?.immediate, true);

    const progress: string[] = [];
    const status: any = await (await server.client('key_a')).callTool(
      { name: 'get_post_status', arguments: { post_submission_id: id, wait_s: 5 } },
      { onprogress: (p) => progress.push(p.message ?? '') },
    );
    assert.equal(status.structuredContent.status, 'published');
    assert.equal(status.structuredContent.terminal, true);
    assert.match(status.structuredContent.public_url, /^https:\/\//);
    assert.ok(progress.length >= 1 && /in-progress/.test(progress[0] ?? ''), `progress: ${progress.join(' | ')}`);

    const unknown = await server.call('key_a', 'get_post_status', { post_submission_id: 'not-a-real-id' });
    assert.equal(unknown.structuredContent.status, 'in-progress');
    assert.match(unknown.structuredContent.note, /ids it does not know/);
  });

  it('schedules with scheduledTime at the body root: Blotato saw a scheduled post, not an immediate one', async () => {
    const text = `Later ${randomUUID()}`;
    const at = inAnHour();
    const r = await server.call('key_a', 'publish_post', {
      account_id: '98432',
      platform: 'twitter',
      text,
      thread: [{ text: 'and a reply' }],
      scheduled_time: at,
      idempotency_key: randomUUID(),
    });
    assert.equal(r.structuredContent.state, 'scheduled');
    const post = fake.state.posts.find((p) => p.text === text);
    assert.equal(post?.immediate, false);
    assert.equal(post?.scheduledTime, new Date(at).toISOString());
    assert.equal(post?.ignoredNestedScheduledTime, null);
    assert.equal(post?.additionalPosts.length, 1);

    const listed = await server.call('key_a', 'list_scheduled_posts');
    const schedule = listed.structuredContent.schedules.find((s: any) => s.text_preview === text);
    assert.ok(schedule, 'the post is in the schedule');
    const moved = new Date(Date.now() + 7_200_000).toISOString();
    const r2 = await server.call('key_a', 'reschedule_post', {
      schedule_id: schedule.schedule_id,
      scheduled_time: moved,
      text: `${text} (edited)`,
    });
    assert.equal(r2.isError, undefined, JSON.stringify(r2.content));
    assert.equal(post?.scheduledTime, moved);
    assert.equal(post?.text, `${text} (edited)`);
    const cancelled = await server.call('key_a', 'cancel_scheduled_post', { schedule_id: schedule.schedule_id });
    assert.equal(cancelled.structuredContent.cancelled, true);
    assert.equal(post?.cancelled, true);
  });

  it('replays a publish after a forced timeout: the post was created once, and found instead of resent', async () => {
    const key = randomUUID();
    const text = `Timeout ${key}`;
    const args = { account_id: '98432', platform: 'twitter', text, idempotency_key: key };
    fake.setMode('POST /v2/posts', 'hang-after-accept', { times: 1 });
    const first = await server.call('key_a', 'publish_post', args);
    assert.equal(first.isError, true);
    assert.equal(readToolError(first)!.code, 'OUTCOME_UNKNOWN');
    assert.match(first.content[0].text, /same arguments/);
    assert.equal(fake.state.posts.filter((p) => p.text === text).length, 1, 'Blotato got it once');

    await sleep(300); // the post leaves in-progress and becomes visible in the post list
    const retry = await server.call('key_a', 'publish_post', args);
    assert.equal(retry.isError, undefined, JSON.stringify(retry.content));
    assert.equal(retry.structuredContent.state, 'found');
    assert.equal(retry.structuredContent.replayed, true);
    const again = await server.call('key_b', 'publish_post', args);
    assert.equal(again.structuredContent.state, 'submitted', 'another team key has its own key space');
    const third = await server.call('key_a', 'publish_post', args);
    assert.equal(third.structuredContent.post_id, retry.structuredContent.post_id);
    assert.equal(fake.state.posts.filter((p) => p.text === text).length, 2, 'key_a: one post; key_b: one post');
  });

  it('keeps an uncertain post unsent until the settle time, then resends it once', async () => {
    const key = randomUUID();
    const text = `Lost ${key}`;
    const args = { account_id: '98432', platform: 'twitter', text, idempotency_key: key };
    fake.setMode('POST /v2/posts', 'error-500', { times: 1 });
    const first = await server.call('key_a', 'publish_post', args);
    assert.equal(readToolError(first)!.code, 'OUTCOME_UNKNOWN');
    const early = await server.call('key_a', 'publish_post', args);
    assert.equal(readToolError(early)!.code, 'OUTCOME_UNKNOWN', 'not found yet, too early to resend');
    assert.ok((readToolError(early)?.retry_after_s ?? 0) >= 1);
    assert.equal(fake.state.posts.filter((p) => p.text === text).length, 0);
    await sleep(2100);
    const late = await server.call('key_a', 'publish_post', args);
    assert.equal(late.structuredContent.state, 'submitted', JSON.stringify(late.content));
    assert.equal(fake.state.posts.filter((p) => p.text === text).length, 1);
  });

  it('refuses an idempotency key reused with other arguments', async () => {
    const key = randomUUID();
    await server.call('key_a', 'publish_post', {
      account_id: '98432',
      platform: 'twitter',
      text: `A ${key}`,
      idempotency_key: key,
    });
    const r = await server.call('key_a', 'publish_post', {
      account_id: '98432',
      platform: 'twitter',
      text: `B ${key}`,
      idempotency_key: key,
    });
    assert.equal(readToolError(r)!.code, 'IDEMPOTENCY_MISMATCH');
    assert.equal(fake.state.posts.filter((p) => p.text === `B ${key}`).length, 0);
  });

  it('creates a visual once per key and polls it to done', async () => {
    const templates = await server.call('key_a', 'list_visual_templates', { search: 'quote' });
    const templateId = templates.structuredContent.templates[0].template_id;
    const inputs = await server.call('key_a', 'get_visual_template', { template_id: templateId });
    assert.deepEqual(
      inputs.structuredContent.inputs.map((i: any) => [i.name, i.required]),
      [
        ['quote', true],
        ['author', false],
        ['theme', false],
      ],
    );
    const key = randomUUID();
    const args = { template_id: templateId, prompt: 'A quote about patience', idempotency_key: key };
    const created = await server.call('key_a', 'create_visual', args);
    assert.equal(created.isError, undefined, JSON.stringify(created.content));
    const visualId = created.structuredContent.visual_id;
    const replay = await server.call('key_a', 'create_visual', args);
    assert.equal(replay.structuredContent.replayed, true);
    assert.equal(replay.structuredContent.visual_id, visualId);
    assert.equal(fake.state.visuals.length, 1, 'credits spent once');
    const done = await server.call('key_a', 'get_visual_status', { visual_id: visualId, wait_s: 5 });
    assert.equal(done.structuredContent.done, true);
    assert.match(done.structuredContent.media_url, /\.png$/);
  });

  it('imports media, makes an upload URL, reports credits', async () => {
    const key = randomUUID();
    const imported = await server.call('key_a', 'import_media', {
      source_url: 'https://cdn.example/cat.jpg',
      idempotency_key: key,
    });
    assert.match(imported.structuredContent.media_url, /^https:\/\/database\.blotato\.com\/.+\.jpg$/);
    const again = await server.call('key_a', 'import_media', {
      source_url: 'https://cdn.example/cat.jpg',
      idempotency_key: key,
    });
    assert.equal(again.structuredContent.media_url, imported.structuredContent.media_url);
    assert.equal(fake.state.media.length, 1);
    const upload = await server.call('key_a', 'create_upload_url', { filename: 'clip.mp4' });
    assert.match(upload.structuredContent.upload_url, /X-Amz-Signature/);
    assert.match(upload.structuredContent.public_url, /\.mp4$/);
    assert.equal(upload.content[0].text.includes('X-Amz-Signature'), false, 'the presigned URL stays out of the text');
    const credits = await server.call('key_a', 'get_credits');
    assert.equal(typeof credits.structuredContent.credits_remaining, 'number');
  });

  it('honours a Blotato 429 by pausing the route for every caller, then succeeds', async () => {
    fake.setMode('POST /v2/posts', 'rate-limit', { times: 1, retryInS: 1 });
    const started = Date.now();
    const r = await server.call('key_c', 'publish_post', {
      account_id: '98432',
      platform: 'twitter',
      text: `After 429 ${randomUUID()}`,
    });
    assert.equal(r.structuredContent.state, 'submitted', JSON.stringify(r.content));
    assert.ok(Date.now() - started >= 900);
    const ready: any = await (await fetch(`${server.url}/readyz`)).json();
    assert.equal(ready.governor.post_create.upstream429s, 1);
    assert.equal(ready.blotato.configured, true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /switchboard_governor_upstream_429_total\{[^}]*budget="post_create"[^}]*\} 1/);
  });
});

describe('Blotato tool server without BLOTATO_API_KEY', () => {
  it('starts, lists its tools, and answers NOT_CONFIGURED naming the variable', async () => {
    const server = await startServer({});
    try {
      const { tools } = await (await server.client('key_a')).listTools();
      assert.ok(tools.length > 10);
      for (const [name, args] of [
        ['list_accounts', {}],
        ['prepare_post', { account_id: '1', platform: 'twitter', text: 'x' }],
      ] as const) {
        const r = await server.call('key_a', name, args);
        assert.equal(r.isError, true);
        assert.equal(readToolError(r)!.code, 'NOT_CONFIGURED');
        assert.match(r.content[0].text, /BLOTATO_API_KEY/);
      }
      const ready: any = await (await fetch(`${server.url}/readyz`)).json();
      assert.equal(ready.blotato.configured, false);
    } finally {
      await server.close();
    }
  });
});

describe('Blotato tool server while Redis is down', () => {
  it('keeps reads going on this replica’s share of the budgets, refuses publishes, and recovers', async () => {
    const fake = await startFakeBlotato({ publishDelayMs: 50 });
    const redisServer = await startRedisServer();
    const redis = createRedis(redisServer.url, 'blotato-outage');
    const server = await startServer(
      {
        BLOTATO_API_KEY: fake.apiKey,
        BLOTATO_BASE_URL: fake.url,
        GOVERNOR_REPLICAS: '2',
        // Room for a few reads at once on half the budget; the share's pacing is the governor's own test.
        BLOTATO_BUDGETS: JSON.stringify({ other: 600 }),
      },
      redis,
    );
    const publish = (text: string) =>
      server.call('key_a', 'publish_post', { account_id: '98432', platform: 'twitter', text, idempotency_key: text });
    try {
      assert.equal((await server.call('key_a', 'list_accounts')).isError, undefined);

      await redisServer.kill();
      for (let i = 0; i < 40 && redis.status === 'ready'; i++) await sleep(50);
      const reads = await Promise.all([1, 2, 3].map(() => server.call('key_a', 'list_accounts')));
      assert.deepEqual(
        reads.map((r) => r.isError),
        [undefined, undefined, undefined],
        'reads are served without the shared store',
      );
      const readiness = await fetch(`${server.url}/readyz`);
      assert.equal(readiness.status, 200, 'still in rotation: reads are served');
      const ready: any = await readiness.json();
      assert.equal(ready.governor.other.fallback, true, 'readiness shows the replica on its fallback share');
      assert.match(ready.store, /redis \((?!ready)/, 'and that Redis is not ready');

      const posted = fake.state.posts.length;
      const refused = await publish(`during outage ${randomUUID()}`);
      assert.equal(refused.isError, true);
      assert.equal(readToolError(refused)!.code, 'STORE_UNAVAILABLE');
      assert.match(refused.content[0].text, /nothing was sent/i);
      assert.equal(fake.state.posts.length, posted, 'no post without the idempotency record');

      await redisServer.start();
      for (let i = 0; i < 100 && redis.status !== 'ready'; i++) await sleep(50);
      const after = await publish(`after outage ${randomUUID()}`);
      assert.equal(after.isError, undefined, JSON.stringify(after.content));
      assert.equal(fake.state.posts.length, posted + 1);
    } finally {
      await server.close();
      redis.disconnect();
      await redisServer.stop();
      await fake.close();
    }
  });

  it('with GOVERNOR_FAIL_MODE=closed, leaves rotation and refuses reads instead of guessing a share', async () => {
    const fake = await startFakeBlotato();
    const redisServer = await startRedisServer();
    const redis = createRedis(redisServer.url, 'blotato-outage-closed');
    const server = await startServer(
      { BLOTATO_API_KEY: fake.apiKey, BLOTATO_BASE_URL: fake.url, GOVERNOR_FAIL_MODE: 'closed' },
      redis,
    );
    try {
      await redisServer.kill();
      for (let i = 0; i < 40 && redis.status === 'ready'; i++) await sleep(50);
      const readiness = await fetch(`${server.url}/readyz`);
      assert.equal(readiness.status, 503, 'out of rotation');
      assert.equal(((await readiness.json()) as any).governor.other.fallback, false);
      const asked = Date.now();
      const read = await server.call('key_a', 'list_accounts');
      assert.ok(Date.now() - asked < 1000, 'refused at once, not after the whole wait');
      assert.equal(read.isError, true);
      assert.equal(readToolError(read)!.code, 'STORE_UNAVAILABLE', JSON.stringify(read.structuredContent));
      assert.match(read.content[0].text, /rate-limit store is unreachable.*nothing was sent/);
      assert.ok((readToolError(read)?.retry_after_s ?? 0) >= 1, 'and says when to retry');
    } finally {
      await server.close();
      redis.disconnect();
      await redisServer.stop();
      await fake.close();
    }
  });
});
