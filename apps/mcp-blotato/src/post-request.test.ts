import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PostInput, postInputSchema, preparePost } from './post-request.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const input = (overrides: Partial<PostInput> & Record<string, unknown>): PostInput =>
  postInputSchema.parse({ account_id: '98432', platform: 'twitter', text: 'Hello', ...overrides });

describe('preparePost', () => {
  it('puts scheduledTime at the body root, never inside post, normalised to UTC', () => {
    const p = preparePost(input({ scheduled_time: '2026-03-04T17:30:00+01:00' }), NOW);
    assert.equal(p.valid, true);
    assert.equal(p.when, 'scheduled');
    assert.equal(p.body?.scheduledTime, '2026-03-04T16:30:00.000Z');
    assert.equal(JSON.stringify(p.body?.post).includes('scheduledTime'), false);
    assert.deepEqual(p.body?.post, {
      accountId: '98432',
      content: { text: 'Hello', mediaUrls: [], platform: 'twitter' },
      target: { targetType: 'twitter' },
    });
  });

  it('refuses times in the past, without an offset, or beyond 9 months, and both time and next slot', () => {
    const issues = (overrides: Partial<PostInput>) => preparePost(input(overrides), NOW).issues.map((i) => i.field);
    assert.deepEqual(issues({ scheduled_time: '2026-02-28T12:00:00Z' }), ['scheduled_time']);
    assert.deepEqual(issues({ scheduled_time: '2026-03-04T16:30:00' }), ['scheduled_time']);
    assert.deepEqual(issues({ scheduled_time: '2026-12-02T12:00:00Z' }), ['scheduled_time']);
    assert.deepEqual(issues({ scheduled_time: '2026-11-30T12:00:00Z' }), []);
    assert.deepEqual(issues({ scheduled_time: '2026-03-04T16:30:00Z', use_next_free_slot: true }), [
      'use_next_free_slot',
    ]);
    const slot = preparePost(input({ use_next_free_slot: true }), NOW);
    assert.equal(slot.body?.useNextFreeSlot, true);
    assert.equal(slot.when, 'next_free_slot');
  });

  it('builds threads with additionalPosts, only where the platform has threads', () => {
    const thread = [{ text: '2/2', media_urls: [] }];
    const ok = preparePost(input({ thread }), NOW);
    assert.deepEqual(ok.body?.post.content.additionalPosts, [{ text: '2/2', mediaUrls: [] }]);
    const li = preparePost(input({ platform: 'linkedin', account_id: '98438', thread }), NOW);
    assert.deepEqual(
      li.issues.map((i) => i.field),
      ['thread'],
    );
  });

  it('requires a Facebook page_id and maps options into the target', () => {
    assert.deepEqual(
      preparePost(input({ platform: 'facebook', account_id: '98433' }), NOW).issues.map((i) => i.field),
      ['options.page_id'],
    );
    const p = preparePost(
      input({
        platform: 'facebook',
        account_id: '98433',
        options: { page_id: '123456789', media_type: 'reel', board_id: 'x' },
      }),
      NOW,
    );
    assert.deepEqual(p.body?.post.target, { targetType: 'facebook', pageId: '123456789', mediaType: 'reel' });
    assert.match(p.warnings.join(' '), /Ignored for facebook: board_id/);
  });

  it("requires TikTok's privacy level, its six booleans and media", () => {
    const missing = preparePost(input({ platform: 'tiktok', account_id: '98435' }), NOW);
    assert.deepEqual(missing.issues.map((i) => i.field).sort(), [
      'media_urls',
      'options.disabled_comments',
      'options.disabled_duet',
      'options.disabled_stitch',
      'options.is_ai_generated',
      'options.is_branded_content',
      'options.is_your_brand',
      'options.privacy_level',
    ]);
    const ok = preparePost(
      input({
        platform: 'tiktok',
        account_id: '98435',
        media_urls: ['https://cdn.example/v.mp4'],
        options: {
          privacy_level: 'SELF_ONLY',
          disabled_comments: false,
          disabled_duet: false,
          disabled_stitch: true,
          is_branded_content: false,
          is_your_brand: false,
          is_ai_generated: true,
        },
      }),
      NOW,
    );
    assert.equal(ok.valid, true);
    assert.equal(ok.body?.post.target['isAiGenerated'], true);
    assert.equal(ok.body?.post.target['privacyLevel'], 'SELF_ONLY');
  });

  it('requires YouTube title, privacy and notify; Pinterest a board; media for Instagram', () => {
    const yt = preparePost(
      input({
        platform: 'youtube',
        account_id: '98437',
        media_urls: ['https://cdn.example/v.mp4'],
        options: { title: 'a <b>' },
      }),
      NOW,
    );
    assert.deepEqual(
      yt.issues.map((i) => i.field),
      ['options.title', 'options.privacy_status', 'options.notify_subscribers'],
    );
    const pin = preparePost(
      input({ platform: 'pinterest', account_id: '98436', media_urls: Array(6).fill('https://cdn.example/i.png') }),
      NOW,
    );
    assert.deepEqual(
      pin.issues.map((i) => i.field),
      ['options.board_id', 'media_urls'],
    );
    const ig = preparePost(input({ platform: 'instagram', account_id: '98434' }), NOW);
    assert.deepEqual(
      ig.issues.map((i) => i.field),
      ['media_urls'],
    );
    assert.equal(ig.body, null, 'an invalid post has no request body');
  });

  it('renders a preview that says when the post goes out', () => {
    assert.match(preparePost(input({}), NOW).preview, /twitter · account 98432 · publishes immediately\nHello/);
  });
});
