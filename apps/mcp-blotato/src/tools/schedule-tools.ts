import { SwitchboardError } from '@switchboard/errors';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import type { BlotatoSchedule } from '../blotato-schemas.ts';
import { type BlotatoToolDeps, callContext, preview, readOnly } from './tool-deps.ts';

const scheduleShape = z.object({
  schedule_id: z.string(),
  scheduled_at: z.string().nullable(),
  platform: z.string().nullable(),
  account_id: z.string().nullable(),
  account_name: z.string().nullable(),
  page_id: z.string().nullable(),
  text_preview: z.string(),
});

function toSchedule(s: BlotatoSchedule): z.infer<typeof scheduleShape> {
  return {
    schedule_id: s.id,
    scheduled_at: s.scheduledAt ?? null,
    platform: s.draft?.content?.platform ?? s.draft?.target?.targetType ?? null,
    account_id: s.account?.id ?? s.draft?.accountId ?? null,
    account_name: s.account?.username ?? s.account?.name ?? null,
    page_id: s.account?.subaccountId ?? null,
    text_preview: preview(s.draft?.content?.text),
  };
}

const HORIZON_MONTHS = 9;

function checkFutureTime(value: string): string {
  const at = Date.parse(value);
  const horizon = new Date();
  horizon.setUTCMonth(horizon.getUTCMonth() + HORIZON_MONTHS);
  if (Number.isNaN(at) || at < Date.now() + 60_000 || at > horizon.getTime()) {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      `scheduled_time must be at least a minute in the future and within ${HORIZON_MONTHS} months (until ${horizon.toISOString()}).`,
    );
  }
  return new Date(at).toISOString();
}

export function scheduleTools({ client }: BlotatoToolDeps) {
  const listScheduled = defineTool({
    name: 'list_scheduled_posts',
    title: 'List scheduled posts',
    description:
      'Lists upcoming scheduled posts, soonest first, with the schedule_id that reschedule_post and cancel_scheduled_post take.',
    inputSchema: z.object({
      limit: z.number().int().min(1).max(50).default(20),
      cursor: z.string().optional(),
    }),
    outputSchema: z.object({
      schedules: z.array(scheduleShape),
      total: z.number().nullable(),
      next_cursor: z.string().nullable(),
    }),
    annotations: readOnly,
    async handler({ limit, cursor }, ctx) {
      const listed = await client.listSchedules(callContext(ctx), {
        limit,
        ...(cursor === undefined ? {} : { cursor }),
      });
      const schedules = listed.items.map(toSchedule);
      const text =
        schedules.length === 0
          ? 'Nothing is scheduled.'
          : schedules
              .map((s) => `- ${s.scheduled_at} ${s.platform ?? ''} (schedule_id ${s.schedule_id}): ${s.text_preview}`)
              .join('\n');
      return { structured: { schedules, total: listed.count ?? null, next_cursor: listed.cursor ?? null }, text };
    },
  });

  const reschedule = defineTool({
    name: 'reschedule_post',
    title: 'Reschedule or edit a scheduled post',
    description:
      'Moves a scheduled post to a new time and/or replaces its text. Takes a schedule_id from list_scheduled_posts (not a post_submission_id).',
    inputSchema: z.object({
      schedule_id: z.string().min(1),
      scheduled_time: z.iso.datetime({ offset: true }).optional().describe('New time, ISO 8601 with offset'),
      text: z.string().min(1).optional().describe('New text'),
    }),
    outputSchema: scheduleShape,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    async handler({ schedule_id, scheduled_time, text }, ctx) {
      if (scheduled_time === undefined && text === undefined) {
        throw new SwitchboardError('VALIDATION_FAILED', 'Give a new scheduled_time, a new text, or both.');
      }
      const call = callContext(ctx);
      const patch: { scheduledTime?: string; post?: unknown } = {};
      if (scheduled_time !== undefined) patch.scheduledTime = checkFutureTime(scheduled_time);
      if (text !== undefined) {
        // Blotato replaces the draft as a whole: start from the current one so only the text changes.
        const current = (await client.getSchedule(call, schedule_id)).draft;
        if (current == null) {
          throw new SwitchboardError(
            'UPSTREAM_ERROR',
            `Blotato returned scheduled post ${schedule_id} without its content.`,
          );
        }
        patch.post = { ...current, content: { ...(current.content ?? {}), text } };
      }
      const updated = toSchedule(await client.updateSchedule(call, schedule_id, patch));
      return {
        structured: updated,
        text: `Scheduled post ${schedule_id} now publishes at ${updated.scheduled_at}: ${updated.text_preview}`,
      };
    },
  });

  const cancel = defineTool({
    name: 'cancel_scheduled_post',
    title: 'Cancel a scheduled post',
    description: 'Cancels a scheduled post so it is never published. Takes a schedule_id from list_scheduled_posts.',
    inputSchema: z.object({ schedule_id: z.string().min(1) }),
    outputSchema: z.object({ schedule_id: z.string(), cancelled: z.boolean() }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    async handler({ schedule_id }, ctx) {
      await client.deleteSchedule(callContext(ctx), schedule_id);
      return { structured: { schedule_id, cancelled: true }, text: `Cancelled scheduled post ${schedule_id}.` };
    },
  });

  return [listScheduled, reschedule, cancel];
}
