import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { readToolError } from '@switchboard/errors';
import { createRedis } from '@switchboard/redis';
import { SHARED_REDIS_URL, uniquePrefix } from '@switchboard/testing';
import type { FastifyInstance } from 'fastify';
import {
  connectInBrowser,
  connectUrlFrom,
  FALCON_FINAL_LINE,
  FALCON_SUBJECT,
  type FakeGoogle,
  fakeGoogleEnv,
  type McpCaller,
  mcpCaller,
  NEWSLETTER_SUBJECT,
  startFakeGoogle,
} from '../../../test/fakes/google/index.ts';
import { buildGmailServer } from './build-gmail-server.ts';
import { loadGmailConfig } from './config.ts';

const SECRET = 's'.repeat(48);
const PUBLIC_URL = 'https://switchboard.example.test';
const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString('base64');
const FAST_RETRY = { maxAttempts: 4, maxWaitMs: 3_000, baseMs: 20, capMs: 100 };

interface Harness extends Pick<McpCaller, 'call' | 'client'> {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

async function startServer(google: FakeGoogle, env: Record<string, string>, extra: { redisPrefix?: string } = {}) {
  const redis = env['REDIS_URL'] === undefined ? undefined : createRedis(env['REDIS_URL'], 'gmail-test');
  const config = loadGmailConfig({
    ...fakeGoogleEnv(google, SECRET, PUBLIC_URL),
    ...env,
  });
  const app = buildGmailServer(config, {
    ...(redis === undefined ? {} : { redis }),
    ...(extra.redisPrefix === undefined ? {} : { redisPrefix: extra.redisPrefix }),
    retry: FAST_RETRY,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const caller = mcpCaller({ url, audience: 'gmail', secret: SECRET });
  const harness: Harness = {
    app,
    url,
    call: caller.call,
    client: caller.client,
    async close() {
      await caller.close();
      await app.close();
      await redis?.quit();
    },
  };
  return harness;
}

async function link(server: Harness, google: FakeGoogle, keyId: string, email: string) {
  const first = await server.call(keyId, 'list_labels');
  const outcome = await connectInBrowser({
    connectUrl: connectUrlFrom(first),
    server: 'gmail',
    toolServerUrl: server.url,
    google,
    email,
  });
  assert.equal(outcome.status, 200, outcome.page);
  assert.match(outcome.page, new RegExp(email.replace('.', '\\.')));
}

describe('Gmail tool server, per-caller Google accounts (Redis, encrypted grants)', () => {
  let google: FakeGoogle;
  let server: Harness;
  const prefix = uniquePrefix('gmail');

  before(async () => {
    google = await startFakeGoogle();
    server = await startServer(
      google,
      {
        GOOGLE_CLIENT_ID: google.clientId,
        GOOGLE_CLIENT_SECRET: google.clientSecret,
        GOOGLE_TOKEN_ENCRYPTION_KEY: ENCRYPTION_KEY,
        REDIS_URL: SHARED_REDIS_URL,
        GMAIL_SEND_ENABLED: 'true',
      },
      { redisPrefix: prefix },
    );
  });
  after(async () => {
    await server?.close();
    await google?.close();
  });

  it('answers a caller without a linked account with a connect link on the public URL', async () => {
    const result = await server.call('key_nobody', 'search_threads', { query: 'falcon' });
    const url = connectUrlFrom(result);
    assert.ok(url.startsWith(`${PUBLIC_URL}/connect/gmail/start?ticket=`), url);
    assert.equal(google.requests.filter((r) => r.api === 'gmail').length, 0, 'nothing was asked of Gmail');
  });

  it('links two keys to two Google accounts through the connect flow; each sees only its own mail', async () => {
    await link(server, google, 'key_alice', 'alice@example.com');
    await link(server, google, 'key_bob', 'bob@example.org');

    const alice = await server.call('key_alice', 'search_threads', { query: '' });
    const aliceSubjects = alice.structuredContent.threads.map((t: any) => t.subject);
    assert.ok(aliceSubjects.includes(NEWSLETTER_SUBJECT), aliceSubjects.join(' | '));
    assert.ok(aliceSubjects.includes(FALCON_SUBJECT));
    assert.ok(!aliceSubjects.some((s: string) => /dentist/i.test(s)));

    const bob = await server.call('key_bob', 'search_threads', { query: '' });
    const bobSubjects = bob.structuredContent.threads.map((t: any) => t.subject);
    assert.deepEqual(bobSubjects.sort(), ['Dentist appointment confirmed', "Quarterly numbers (Bob's team)"]);

    const falcon = alice.structuredContent.threads.find((t: any) => t.subject === FALCON_SUBJECT);
    const stolen = await server.call('key_bob', 'get_thread', { thread_id: falcon.thread_id });
    assert.equal(stolen.isError, true);
    assert.equal(readToolError(stolen)!.code, 'NOT_FOUND');
  });

  it('stores refresh tokens only encrypted', async () => {
    const redis = createRedis(SHARED_REDIS_URL, 'gmail-test-inspect');
    try {
      const keys = await redis.keys(`${prefix}*`);
      assert.ok(
        keys.some((k) => k.includes('grant:{key_alice}')),
        keys.join(','),
      );
      for (const key of keys.filter((k) => k.includes(':grant:'))) {
        const value = (await redis.get(key)) ?? '';
        assert.ok(!value.includes('1//fake-'), 'no refresh token in clear');
        assert.match(JSON.parse(value).refreshTokenJwe, /^ey[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/, 'compact JWE, dir');
      }
    } finally {
      await redis.quit();
    }
  });

  it('returns the 30-message thread within budget: newest first, quotes dropped, the rest accounted for', async () => {
    const search = await server.call('key_alice', 'search_threads', { query: 'subject:"Project Falcon"' });
    const threadId = search.structuredContent.threads[0].thread_id;
    const result = await server.call('key_alice', 'get_thread', { thread_id: threadId });
    const thread = result.structuredContent;
    assert.equal(thread.message_count, 30);
    assert.equal(thread.messages.length, 10);
    assert.ok(thread.messages[0].body_text.includes(FALCON_FINAL_LINE), 'the newest message comes first');
    assert.match(thread.messages[1].body_text, /^Hi all,\n\nUpdate 29:/);
    for (const message of thread.messages) {
      assert.doesNotMatch(message.body_text, /wrote:|^>/m, 'quoted history dropped');
      assert.doesNotMatch(message.body_text, /\+1 555 01/, 'signature dropped');
      assert.equal(message.quoted_removed, true);
    }
    assert.equal(thread.omitted_messages.count, 20);
    assert.equal(thread.omitted_messages.messages.length, 20);
    assert.match(thread.omitted_messages.reason, /max_messages/);
    assert.ok(thread.body_chars_returned <= 12_000);
    assert.match(result.content[0].text, /20 older messages omitted/);

    const tight = await server.call('key_alice', 'get_thread', {
      thread_id: threadId,
      max_messages: 50,
      max_chars_total: 1_500,
    });
    const bodies = tight.structuredContent.messages.map((m: any) => m.body_text.length);
    assert.ok(bodies.reduce((a: number, b: number) => a + b, 0) <= 1_500);
    assert.ok(tight.structuredContent.messages[0].body_text.includes(FALCON_FINAL_LINE));
    assert.equal(tight.structuredContent.messages.length + tight.structuredContent.omitted_messages.count, 30);
    assert.match(tight.structuredContent.omitted_messages.reason, /max_chars_total/);

    const oldest = thread.omitted_messages.messages.at(-1).message_id;
    const first = await server.call('key_alice', 'get_message', { message_id: oldest });
    assert.match(first.structuredContent.body_text, /Update 1:/);
    assert.equal(first.structuredContent.truncated, false);
  });

  it('reads a newsletter from its HTML when the text part is a stub, and pages through it', async () => {
    const search = await server.call('key_alice', 'search_threads', { query: 'from:news@byte.example' });
    const threadId = search.structuredContent.threads[0].thread_id;
    const result = await server.call('key_alice', 'get_thread', { thread_id: threadId });
    const [message] = result.structuredContent.messages;
    assert.equal(message.body_source, 'text/html');
    assert.ok(message.notes.some((n: string) => /pointed to the HTML/.test(n)));
    assert.match(message.body_text, /Story 1: Faster builds with incremental caches/);
    assert.doesNotMatch(
      message.body_text,
      /<td|mso-|font-family|This week: faster builds/,
      'no markup, styles or hidden preheader',
    );
    assert.equal(message.truncated, true);
    assert.ok(message.body_text.length <= 3_000);

    let offset = 0;
    let whole = '';
    for (let page = 0; page < 20; page++) {
      const window = await server.call('key_alice', 'get_message', {
        message_id: message.message_id,
        offset,
        max_chars: 4_000,
      });
      whole += window.structuredContent.body_text;
      if (window.structuredContent.next_offset === undefined) break;
      offset = window.structuredContent.next_offset;
    }
    assert.equal(whole.length, message.total_chars, 'windows join up to the whole text, nothing lost');
    assert.ok(whole.startsWith(message.body_text));
    assert.match(whole, /Unsubscribe/);
  });

  it('decodes Latin-1 bodies and encoded-word headers, lists attachments, converts HTML-only mail', async () => {
    const latin = await server.call('key_alice', 'search_threads', { query: 'from:francois@cafe.example' });
    const row = latin.structuredContent.threads[0];
    assert.equal(row.subject, 'Résumé du café');
    assert.equal(row.from, 'François Lévesque <francois@cafe.example>');
    const body = await server.call('key_alice', 'get_thread', { thread_id: row.thread_id });
    assert.match(body.structuredContent.messages[0].body_text, /la façade sera repeinte/);
    assert.match(body.structuredContent.messages[0].body_text, /approche naïve/);

    const report = await server.call('key_alice', 'search_threads', { query: 'has:attachment' });
    const reportThread = await server.call('key_alice', 'get_thread', {
      thread_id: report.structuredContent.threads[0].thread_id,
    });
    const attachments = reportThread.structuredContent.messages[0].attachments;
    const pdf = attachments.find((a: any) => a.filename === 'Q3-report.pdf');
    assert.ok(pdf.attachment_id.length > 10);
    assert.equal(pdf.mime_type, 'application/pdf');
    assert.equal(pdf.inline, false);
    assert.ok(pdf.size > 100_000);
    assert.equal(attachments.find((a: any) => a.filename === 'chart.png').inline, true);
    assert.match(reportThread.structuredContent.messages[0].body_text, /revenue grew 14%/);

    const receipt = await server.call('key_alice', 'search_threads', { query: 'subject:receipt' });
    const receiptThread = await server.call('key_alice', 'get_thread', {
      thread_id: receipt.structuredContent.threads[0].thread_id,
    });
    assert.equal(receiptThread.structuredContent.messages[0].body_source, 'text/html');
    assert.match(receiptThread.structuredContent.messages[0].body_text, /Order #A-1009 ships tomorrow/);
  });

  it('pages search results with an opaque cursor bound to its query, and names labels', async () => {
    const first = await server.call('key_alice', 'search_threads', { query: '', limit: 2 });
    assert.equal(first.structuredContent.threads.length, 2);
    const cursor = first.structuredContent.next_cursor;
    assert.ok(cursor);
    const second = await server.call('key_alice', 'search_threads', { query: '', limit: 2, cursor });
    const ids = new Set(
      [...first.structuredContent.threads, ...second.structuredContent.threads].map((t: any) => t.thread_id),
    );
    assert.equal(ids.size, 4);
    const misuse = await server.call('key_alice', 'search_threads', { query: 'falcon', limit: 2, cursor });
    assert.equal(readToolError(misuse)!.code, 'VALIDATION_FAILED');

    const falcon = first.structuredContent.threads.find((t: any) => t.subject === FALCON_SUBJECT);
    assert.ok(falcon.labels.includes('Projects'), falcon.labels.join(','));
    const labels = await server.call('key_alice', 'list_labels');
    assert.ok(
      labels.structuredContent.labels.some(
        (l: any) => l.id === 'Label_1' && l.name === 'Projects' && l.type === 'user',
      ),
    );
  });

  it('digests the inbox in one call with the newest messages and open questions', async () => {
    const result = await server.call('key_alice', 'get_thread_digests', { limit: 6, max_chars_total: 6_000 });
    const digests = result.structuredContent.digests;
    assert.equal(digests.length, 6);
    const falcon = digests.find((d: any) => d.subject === FALCON_SUBJECT);
    assert.equal(falcon.latest_messages.length, 3);
    assert.ok(falcon.latest_messages[0].excerpt.includes(FALCON_FINAL_LINE));
    assert.equal(falcon.older_messages_not_shown, 27);
    const lunch = digests.find((d: any) => d.subject === 'Lunch on Friday?');
    assert.deepEqual(lunch.questions, ['Are you free for lunch on Friday at 12:30?']);
    assert.ok(result.structuredContent.excerpt_chars_returned <= 6_000);
  });

  it('creates a reply draft in the thread (In-Reply-To, References, Re: subject) and sends only with confirm', async () => {
    const search = await server.call('key_alice', 'search_threads', { query: 'subject:lunch' });
    const lunch = search.structuredContent.threads[0];
    const thread = await server.call('key_alice', 'get_thread', { thread_id: lunch.thread_id });
    const original = thread.structuredContent.messages[0];
    const draft = await server.call('key_alice', 'create_draft', {
      reply_to_message_id: original.message_id,
      body_text: 'Friday at 12:30 works. See you there!',
      bcc: ['Dave <dave@example.com>'],
    });
    assert.equal(draft.isError, undefined, draft.content[0].text);
    assert.equal(draft.structuredContent.thread_id, lunch.thread_id, 'Gmail kept the draft in the thread');
    assert.equal(draft.structuredContent.subject, 'Re: Lunch on Friday?');
    assert.deepEqual(draft.structuredContent.to, ['Carol Jones <carol@partner.example>']);
    const stored = google.accounts.alice.drafts.at(-1);
    const raw = Buffer.from(stored?.raw ?? '', 'base64url').toString('utf8');
    assert.match(raw, /^In-Reply-To: <[^>]+@partner\.example>$/m);
    assert.match(raw, /^References: <[^>]+@partner\.example>$/m);
    assert.match(raw, /^Bcc: Dave <dave@example\.com>$/m);
    assert.equal(google.accounts.bob.drafts.length, 0, "drafts land in the caller's own mailbox");

    const refused = await server.call('key_alice', 'send_draft', { draft_id: draft.structuredContent.draft_id });
    assert.equal(readToolError(refused)!.code, 'CONFIRMATION_REQUIRED');
    assert.equal(google.accounts.alice.sent.length, 0);
    const sent = await server.call('key_alice', 'send_draft', {
      draft_id: draft.structuredContent.draft_id,
      confirm: true,
    });
    assert.equal(sent.structuredContent.sent, true, JSON.stringify(sent));
    assert.equal(google.accounts.alice.sent.length, 1);

    const injection = await server.call('key_alice', 'create_draft', {
      to: ['a@example.com'],
      subject: 'Hi\r\nBcc: evil@example.com',
      body_text: 'x',
    });
    assert.equal(injection.isError, true, 'header injection refused');
  });

  it('backs off on quota errors in both shapes and reports RATE_LIMITED when Google keeps refusing', async () => {
    const before = google.requests.length;
    google.setMode({ rateLimit: { api: 'gmail', shape: '403-user', times: 2 } });
    const ok = await server.call('key_bob', 'search_threads', { query: 'dentist' });
    assert.equal(ok.isError, undefined, ok.content[0].text);
    const statuses = google.requests
      .slice(before)
      .filter((r) => r.api === 'gmail')
      .map((r) => r.status);
    assert.deepEqual(statuses.slice(0, 3), [403, 403, 200]);

    google.setMode({ rateLimit: { api: 'gmail', shape: '429', times: 1, retryAfterS: 1 } });
    const started = Date.now();
    const after429 = await server.call('key_bob', 'search_threads', { query: '' });
    assert.equal(after429.isError, undefined);
    assert.ok(Date.now() - started >= 900, 'Retry-After honoured');

    google.setMode({ rateLimit: { api: 'gmail', shape: '403-project', times: 50 } });
    const refused = await server.call('key_bob', 'search_threads', { query: 'x' });
    assert.equal(readToolError(refused)!.code, 'RATE_LIMITED');
    assert.ok((readToolError(refused)?.retry_after_s ?? 0) >= 1);
    google.setMode({});
  });

  it('refreshes once on a 401, then gives a clear error if Google still refuses', async () => {
    const tokenCalls = () => google.requests.filter((r) => r.path === '/token').length;
    const before = tokenCalls();
    google.setMode({ rejectAccessTokens: 1 });
    const ok = await server.call('key_bob', 'search_threads', { query: 'dentist' });
    assert.equal(ok.isError, undefined);
    assert.equal(tokenCalls(), before + 1, 'exactly one refresh');

    google.setMode({ rejectAccessTokens: 5 });
    const failed = await server.call('key_bob', 'search_threads', { query: 'numbers' });
    assert.equal(failed.isError, true);
    assert.match(failed.content[0].text, /even after a refresh/);
    assert.equal(tokenCalls(), before + 2);
    google.setMode({});
  });

  it('turns invalid_grant into a reconnect link and recovers after reconnecting', async () => {
    google.setMode({ rejectAccessTokens: 1, invalidGrant: ['bob@example.org'] });
    const broken = await server.call('key_bob', 'search_threads', { query: 'dentist' });
    const url = connectUrlFrom(broken);
    assert.match(broken.content[0].text, /no longer accepts/);
    const still = await server.call('key_bob', 'search_threads', { query: 'dentist' });
    assert.match(still.content[0].text, /stopped working/);
    google.setMode({});
    const relinked = await connectInBrowser({
      connectUrl: url,
      server: 'gmail',
      toolServerUrl: server.url,
      google,
      email: 'bob@example.org',
    });
    assert.equal(relinked.status, 200);
    const ok = await server.call('key_bob', 'search_threads', { query: 'dentist' });
    assert.equal(ok.isError, undefined);
  });

  it('refuses connect flows that are forged, finished in another browser, declined or missing a scope', async () => {
    const garbage = await fetch(`${server.url}/connect/start?ticket=not-a-ticket`);
    assert.equal(garbage.status, 400);
    const url = connectUrlFrom(await server.call('key_carol', 'list_labels'));
    const otherBrowser = await connectInBrowser({
      connectUrl: url,
      server: 'gmail',
      toolServerUrl: server.url,
      google,
      email: 'alice@example.com',
      dropCookie: true,
    });
    assert.equal(otherBrowser.status, 400);
    assert.match(otherBrowser.page, /same browser/);
    const declined = await connectInBrowser({
      connectUrl: url,
      server: 'gmail',
      toolServerUrl: server.url,
      google,
      email: undefined,
    });
    assert.equal(declined.status, 400);
    google.setMode({ grantedScopes: ['https://www.googleapis.com/auth/gmail.readonly'] });
    const partial = await connectInBrowser({
      connectUrl: url,
      server: 'gmail',
      toolServerUrl: server.url,
      google,
      email: 'alice@example.com',
    });
    google.setMode({});
    assert.equal(partial.status, 400);
    assert.match(partial.page, /gmail\.compose/);
    const still = await server.call('key_carol', 'list_labels');
    assert.equal(readToolError(still)!.code, 'CONNECT_REQUIRED', 'no grant was stored');
  });

  it('tells the gateway which account a key linked (never a token), and unlinks it on request', async () => {
    const signer = new CallerAssertionSigner({ secrets: [SECRET] });
    const send = async (method: 'GET' | 'DELETE', keyId: string, asKey: string | undefined) =>
      fetch(`${server.url}/internal/keys/${keyId}/grant`, {
        method,
        headers:
          asKey === undefined
            ? {}
            : { authorization: `Bearer ${await signer.sign({ keyId: asKey, scopes: [] }, 'gmail')}` },
      });
    await link(server, google, 'key_erin', 'bob@example.org');
    assert.equal((await send('GET', 'key_erin', undefined)).status, 401);
    assert.equal((await send('GET', 'key_erin', 'key_alice')).status, 403, "one key's assertion reads no other key");
    assert.equal((await send('DELETE', 'key_erin', 'key_alice')).status, 403);
    const read = await send('GET', 'key_erin', 'key_erin');
    assert.equal(read.status, 200);
    const body = (await read.json()) as Record<string, unknown>;
    assert.equal(body['linked'], true);
    assert.equal(body['email'], 'bob@example.org');
    assert.equal(body['status'], 'active');
    assert.equal(JSON.stringify(body).includes('eyJ'), false, 'no token, not even encrypted');
    assert.deepEqual(await (await send('GET', 'key_nobody', 'key_nobody')).json(), {
      linked: false,
      mode: 'per-caller',
    });

    assert.equal((await send('DELETE', 'key_erin', 'key_erin')).status, 204);
    assert.equal((await send('DELETE', 'key_erin', 'key_erin')).status, 404, 'nothing left to unlink');
    assert.equal(((await (await send('GET', 'key_erin', 'key_erin')).json()) as { linked: boolean }).linked, false);
    const unlinked = await server.call('key_erin', 'list_labels');
    assert.equal(unlinked.isError, true, 'the tool asks to connect again');
    // Unlinking is not deleting the key: its owner can link an account again.
    await link(server, google, 'key_erin', 'bob@example.org');
    assert.equal((await server.call('key_erin', 'list_labels')).isError, undefined);
  });

  it("deletes a key's grant when the gateway reports the key deleted, and never lets another key do it", async () => {
    const signer = new CallerAssertionSigner({ secrets: [SECRET] });
    const post = async (keyId: string, asKey: string | undefined) =>
      fetch(`${server.url}/internal/keys/${keyId}/deleted`, {
        method: 'POST',
        headers:
          asKey === undefined
            ? {}
            : { authorization: `Bearer ${await signer.sign({ keyId: asKey, scopes: [] }, 'gmail')}` },
      });
    assert.equal((await post('key_bob', undefined)).status, 401);
    assert.equal((await post('key_bob', 'key_alice')).status, 403);
    assert.equal((await server.call('key_bob', 'list_labels')).isError, undefined, 'still linked');

    // A flow started before the deletion must not bring the grant back.
    const pending = connectUrlFrom(await server.call('key_dave', 'list_labels'));
    const late = await connectInBrowser({
      connectUrl: pending,
      server: 'gmail',
      toolServerUrl: server.url,
      google,
      email: 'bob@example.org',
      beforeCallback: async () => {
        assert.equal((await post('key_dave', 'key_dave')).status, 204);
      },
    });
    assert.equal(late.status, 410);

    assert.equal((await post('key_bob', 'key_bob')).status, 204);
    const gone = await server.call('key_bob', 'list_labels');
    const url = connectUrlFrom(gone);
    const relink = await connectInBrowser({
      connectUrl: url,
      server: 'gmail',
      toolServerUrl: server.url,
      google,
      email: 'bob@example.org',
    });
    assert.equal(relink.status, 410, 'a deleted key cannot be linked again');
    const alice = await server.call('key_alice', 'list_labels');
    assert.equal(alice.isError, undefined, 'other keys are unaffected');
  });
});

describe('Gmail tool server, single shared account (GOOGLE_REFRESH_TOKEN), sending off', () => {
  let google: FakeGoogle;
  let server: Harness;
  before(async () => {
    google = await startFakeGoogle();
    const refreshToken = google.issueRefreshToken('alice@example.com', [
      google.scopes.gmailReadonly,
      google.scopes.gmailCompose,
    ]);
    server = await startServer(google, {
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_REFRESH_TOKEN: refreshToken,
    });
  });
  after(async () => {
    await server?.close();
    await google?.close();
  });

  it('serves every caller from the shared account without a connect flow', async () => {
    for (const keyId of ['key_one', 'key_two']) {
      const result = await server.call(keyId, 'search_threads', { query: 'falcon' });
      assert.equal(result.isError, undefined, result.content[0].text);
      assert.equal(result.structuredContent.threads[0].subject, FALCON_SUBJECT);
    }
    const start = await fetch(`${server.url}/connect/start?ticket=x`);
    assert.equal(start.status, 404);
    assert.match(await start.text(), /one shared Google account/);
  });

  it('offers no send tool unless GMAIL_SEND_ENABLED', async () => {
    const client = await server.client('key_one');
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'create_draft',
      'get_message',
      'get_thread',
      'get_thread_digests',
      'list_labels',
      'search_threads',
    ]);
    for (const tool of tools) {
      assert.ok(tool.outputSchema, `${tool.name} declares an output schema`);
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean');
    }
    assert.match(tools.find((t) => t.name === 'create_draft')?.description ?? '', /turned off by the operator/);
  });
});

describe('Gmail tool server without Google configuration', () => {
  it('starts, and every tool names the variables to set', async () => {
    const google = await startFakeGoogle();
    const server = await startServer(google, {});
    try {
      const result = await server.call('key_x', 'search_threads', { query: '' });
      assert.equal(readToolError(result)!.code, 'NOT_CONFIGURED');
      assert.match(result.content[0].text, /GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/);
      assert.match(result.content[0].text, /GOOGLE_REFRESH_TOKEN/);
    } finally {
      await server.close();
      await google.close();
    }
  });

  it('refuses to start with Redis but without an encryption key for grants', () => {
    assert.throws(
      () =>
        loadGmailConfig({
          GOOGLE_CLIENT_ID: 'id',
          GOOGLE_CLIENT_SECRET: 'secret',
          REDIS_URL: SHARED_REDIS_URL,
          CALLER_ASSERTION_SECRET: SECRET,
        }),
      /GOOGLE_TOKEN_ENCRYPTION_KEY/,
    );
  });
});
