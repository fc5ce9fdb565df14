import { SwitchboardError } from '@switchboard/errors';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { idempotentWrite } from '../idempotent-write.ts';
import { postInputShape, preparePost } from '../post-request.ts';
import { findPost, type PostAttempt } from '../reconcile-post.ts';
import { type BlotatoToolDeps, callContext } from './tool-deps.ts';

const idempotencyKeyField = z
  .string()
  .min(8)
  .max(200)
  .optional()
  .describe(
    'A unique id for this post (e.g. a UUID). A retry with the same key and arguments returns the first result instead of posting twice. Without one, identical calls within a few minutes count as one.',
  );

const issueSchema = z.object({ field: z.string(), message: z.string() });

interface PublishOutcome {
  /** `found`: an earlier attempt's post, found on Blotato after its outcome was unknown. */
  state: 'submitted' | 'scheduled' | 'found';
  post_submission_id: string | null;
  /** The id Blotato lists a found post under (no submission id is listed). */
  post_id: string | null;
  scheduled_time: string | null;
}

export function postTools({ client, idempotency, config }: BlotatoToolDeps) {
  const preparePostTool = defineTool({
    name: 'prepare_post',
    title: 'Prepare a post (dry run)',
    description:
      "Checks a post against Blotato's and the platform's requirements (Facebook page_id; TikTok privacy_level and its six yes/no settings; YouTube title, privacy_status, notify_subscribers; Pinterest board_id; media for Instagram, TikTok, Pinterest and YouTube; a schedule time in the future and within 9 months) and shows the exact request publish_post would send, with a preview. Sends nothing.",
    inputSchema: z.object(postInputShape),
    outputSchema: z.object({
      valid: z.boolean(),
      issues: z.array(issueSchema),
      warnings: z.array(z.string()),
      account_id: z.string(),
      platform: z.string(),
      publishes: z.enum(['immediately', 'scheduled', 'next_free_slot']),
      scheduled_time: z.string().nullable(),
      request_body: z.record(z.string(), z.unknown()).nullable(),
      preview: z.string(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    async handler(args) {
      const prepared = preparePost(args);
      const structured = {
        valid: prepared.valid,
        issues: prepared.issues,
        warnings: prepared.warnings,
        account_id: args.account_id,
        platform: args.platform,
        publishes: prepared.when,
        scheduled_time: prepared.scheduledTime,
        request_body: prepared.body as Record<string, unknown> | null,
        preview: prepared.preview,
      };
      const text = prepared.valid
        ? `Ready to publish:\n${prepared.preview}${prepared.warnings.length > 0 ? `\nWarnings: ${prepared.warnings.join(' ')}` : ''}`
        : `Not ready: ${prepared.issues.map((i) => `${i.field}: ${i.message}`).join(' ')}`;
      return { structured, text };
    },
  });

  const publishPost = defineTool({
    name: 'publish_post',
    title: 'Publish or schedule a post',
    description:
      'Publishes a post now, at scheduled_time, or in the next free calendar slot (threads via `thread`). Validates like prepare_post first. Safe to retry: with the same idempotency_key and arguments it never posts twice, and if an earlier attempt timed out it checks Blotato before sending again. Returns a post_submission_id to follow with get_post_status.',
    inputSchema: z.object({ ...postInputShape, idempotency_key: idempotencyKeyField }),
    outputSchema: z.object({
      state: z.enum(['submitted', 'scheduled', 'found']),
      post_submission_id: z.string().nullable(),
      post_id: z.string().nullable(),
      account_id: z.string(),
      platform: z.string(),
      scheduled_time: z.string().nullable(),
      idempotency_key: z.string(),
      replayed: z.boolean(),
      poll_after_s: z.number().nullable(),
    }),
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler({ idempotency_key, ...args }, ctx) {
      const prepared = preparePost(args);
      if (!prepared.valid || prepared.body === null) {
        throw new SwitchboardError(
          'VALIDATION_FAILED',
          `The post was not sent: ${prepared.issues.map((i) => `${i.field}: ${i.message}`).join(' ')}`,
          { details: { issues: prepared.issues } },
        );
      }
      const body = prepared.body;
      const call = callContext(ctx);
      const attempt: PostAttempt = {
        sentAt: Date.now(),
        accountId: args.account_id,
        platform: args.platform,
        text: args.text,
        mediaCount: body.post.content.mediaUrls.length,
        scheduledTime: prepared.scheduledTime,
      };
      const result = await idempotentWrite<PublishOutcome>({
        store: idempotency,
        tool: 'publish_post',
        callerKeyId: ctx.caller.keyId,
        idempotencyKey: idempotency_key,
        args: body,
        derivedWindowMs: config.derivedKeyWindowMs,
        leaseMs: 2 * (config.maxWaitMs + config.timeoutMs) + 10_000,
        attempt: { ...attempt },
        async send() {
          const { postSubmissionId } = await client.createPost(call, body);
          return {
            state: prepared.when === 'immediately' ? 'submitted' : 'scheduled',
            post_submission_id: postSubmissionId,
            post_id: null,
            scheduled_time: prepared.scheduledTime,
          };
        },
        async reconcile(uncertain) {
          const sentAt = Number(uncertain.attempt?.['sentAt'] ?? uncertain.since);
          const found = await findPost(client, call, { ...attempt, sentAt });
          if (found !== undefined) {
            return {
              kind: 'found',
              outcome: {
                state: 'found',
                post_submission_id: null,
                post_id: found.postId,
                scheduled_time: found.scheduledTime,
              },
            };
          }
          const waitedMs = Date.now() - uncertain.since;
          const leftS = Math.ceil((config.reconcileSettleMs - waitedMs) / 1000);
          if (leftS > 0) {
            return {
              kind: 'missing',
              mayResend: false,
              retryAfterS: Math.min(leftS, 30),
              why: `An earlier attempt with this idempotency_key may have reached Blotato, but the post is not visible there yet (posts being processed are not listed). Nothing was sent now. Retry in ${Math.min(leftS, 30)} s with the same key: Switchboard checks again, and sends the post only if it has still not appeared ${Math.ceil(config.reconcileSettleMs / 1000)} s after that attempt.`,
            };
          }
          return { kind: 'missing', mayResend: true, retryAfterS: 0, why: '' };
        },
      });
      const o = result.outcome;
      const structured = {
        ...o,
        account_id: args.account_id,
        platform: args.platform,
        idempotency_key: result.idempotencyKey,
        replayed: result.replayed,
        poll_after_s: o.state === 'submitted' ? 5 : null,
      };
      const again = result.replayed
        ? ' (this post was already sent earlier with the same idempotency_key; nothing was sent again)'
        : '';
      const text =
        o.state === 'found'
          ? `Found the post from the earlier attempt on Blotato (post id ${o.post_id}); nothing was sent again.`
          : o.state === 'scheduled'
            ? `Scheduled on ${args.platform} for ${o.scheduled_time ?? 'the next free slot'}${again}. post_submission_id ${o.post_submission_id}.`
            : `Submitted to ${args.platform}${again}. post_submission_id ${o.post_submission_id}; check it with get_post_status in a few seconds.`;
      return { structured, text };
    },
  });

  return [preparePostTool, publishPost];
}
