/**
 * Measures what the Gmail tools hand a model against what the Gmail API returns for the same request, for
 * the two shapes that overflowed other connectors: a 60 KB HTML newsletter and a 30-message thread. The
 * figures print as test diagnostics (the README quotes them); the assertions keep them within budget.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FALCON_FINAL_LINE, type FakeGoogle, mcpCaller, startFakeGoogle } from '../../../test/fakes/google/index.ts';
import { buildGmailServer } from './build-gmail-server.ts';
import { loadGmailConfig } from './config.ts';

const SECRET = 'b'.repeat(40);

describe('Gmail output budgets', () => {
  let google: FakeGoogle;
  let close: () => Promise<void>;
  let call: ReturnType<typeof mcpCaller>['call'];
  before(async () => {
    google = await startFakeGoogle();
    const app = buildGmailServer(
      loadGmailConfig({
        GMAIL_BASE_URL: google.url,
        GOOGLE_TOKEN_URL: `${google.url}/token`,
        GOOGLE_CLIENT_ID: google.clientId,
        GOOGLE_CLIENT_SECRET: google.clientSecret,
        GOOGLE_REFRESH_TOKEN: google.issueRefreshToken('alice@example.com', [google.scopes.gmailReadonly]),
        CALLER_ASSERTION_SECRET: SECRET,
        LOG_LEVEL: 'silent',
      }),
    );
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const caller = mcpCaller({ url, audience: 'gmail', secret: SECRET });
    call = caller.call;
    close = async () => {
      await caller.close();
      await app.close();
      await google.close();
    };
  });
  after(() => close());

  /** Bytes Gmail sent for the thread (format=full), as the fake logged them. */
  const rawBytes = (threadId: string) =>
    google.requests.filter((r) => r.path.endsWith(`/threads/${threadId}`) && r.query['format'] === 'full').at(-1)
      ?.bytes ?? 0;

  async function measure(label: string, threadId: string, t: { diagnostic(message: string): void }) {
    const result = await call('key_m', 'get_thread', { thread_id: threadId });
    const text = result.content[0].text.length;
    const structured = JSON.stringify(result.structuredContent).length;
    const raw = rawBytes(threadId);
    t.diagnostic(
      `${label}: Gmail API threads.get(format=full) ${raw} bytes → get_thread text ${text} chars, structuredContent ${structured} chars (bodies ${result.structuredContent.body_chars_returned}); ${(raw / Math.max(text, structured)).toFixed(1)}× smaller`,
    );
    return { result, text, structured, raw };
  }

  it('newsletter (stub text part + 60 KB HTML)', async (t) => {
    const search = await call('key_m', 'search_threads', { query: 'from:news@byte.example' });
    const { result, text, structured, raw } = await measure(
      'newsletter',
      search.structuredContent.threads[0].thread_id,
      t,
    );
    const html = google.accounts.alice.mailbox.messages[0]?.payload.parts?.[1]?.body.size ?? 0;
    t.diagnostic(
      `newsletter: HTML part alone ${html} bytes; clean text of the whole message ${result.structuredContent.messages[0].total_chars} chars`,
    );
    assert.ok(html >= 60 * 1024);
    assert.ok(raw > 80_000);
    assert.ok(text <= 4_000 && structured <= 5_000);
    assert.equal(result.structuredContent.messages[0].truncated, true, 'the cut is explicit');
  });

  it('30-message thread', async (t) => {
    const search = await call('key_m', 'search_threads', { query: 'subject:"Project Falcon"' });
    const threadId = search.structuredContent.threads[0].thread_id;
    const { result, text, structured, raw } = await measure('30-message thread', threadId, t);
    assert.ok(raw > 500_000);
    assert.ok(text <= 12_000 && structured <= 16_000);
    assert.ok(result.structuredContent.messages[0].body_text.includes(FALCON_FINAL_LINE));
    assert.equal(result.structuredContent.messages.length + result.structuredContent.omitted_messages.count, 30);
    const digest = await call('key_m', 'get_thread_digests', { limit: 6 });
    t.diagnostic(
      `inbox digest of 6 threads: text ${digest.content[0].text.length} chars, structuredContent ${JSON.stringify(digest.structuredContent).length} chars`,
    );
    assert.ok(digest.content[0].text.length <= 9_000);
  });
});
