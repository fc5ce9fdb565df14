import { z } from 'zod';

/**
 * Turns a tool's post arguments into the exact `POST /v2/posts` body, checking first what Blotato and the
 * platforms require (https://help.blotato.com/rest-api-reference/publish-post.md, platform pages under
 * https://help.blotato.com/platform-publishing/platforms/). No network: `prepare_post` shows the result,
 * `publish_post` sends it.
 */
export const PLATFORMS = [
  'twitter',
  'instagram',
  'linkedin',
  'facebook',
  'tiktok',
  'pinterest',
  'threads',
  'bluesky',
  'youtube',
] as const;
export type Platform = (typeof PLATFORMS)[number];

const MEDIA_REQUIRED: ReadonlySet<Platform> = new Set(['instagram', 'tiktok', 'pinterest', 'youtube']);
const THREAD_PLATFORMS: ReadonlySet<Platform> = new Set(['twitter', 'threads', 'bluesky']);
/** Soft length limits of the platforms; Blotato or the platform decides, so these only warn. */
const TEXT_LIMITS: Partial<Record<Platform, number>> = {
  twitter: 280,
  bluesky: 300,
  threads: 500,
  linkedin: 3000,
  instagram: 2200,
  tiktok: 2200,
  facebook: 63206,
  pinterest: 800,
  youtube: 5000,
};
const SCHEDULE_HORIZON_MONTHS = 9;
/** Blotato needs a moment to queue a post; a time closer than this may already have passed when it arrives. */
const MIN_LEAD_MS = 60_000;

const mediaUrl = z.url({ protocol: /^https?$/ }).describe('Public http(s) URL of an image or video');

export const postOptionsSchema = z
  .object({
    page_id: z
      .string()
      .optional()
      .describe('facebook (required): a Page id; linkedin: a company page id (omit for the profile)'),
    media_type: z.enum(['reel', 'story']).optional().describe('facebook, instagram'),
    link: z.string().max(2048).optional().describe('facebook: link preview; pinterest: destination link'),
    first_comment: z.string().optional().describe('facebook (not for stories)'),
    collaborators: z.array(z.string()).optional().describe('instagram: usernames without @, at most 3'),
    alt_text: z.string().optional().describe('instagram, pinterest (≤ 500)'),
    cover_image_url: z.string().optional().describe('instagram reels'),
    share_to_feed: z.boolean().optional().describe('instagram reels'),
    audio_name: z.string().optional().describe('instagram reels'),
    trial_graduation: z.enum(['MANUAL', 'SS_PERFORMANCE']).optional().describe('instagram trial reels'),
    reply_control: z.enum(['everyone', 'accounts_you_follow', 'mentioned_only']).optional().describe('threads'),
    privacy_level: z
      .enum(['SELF_ONLY', 'PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR'])
      .optional()
      .describe('tiktok (required)'),
    disabled_comments: z.boolean().optional().describe('tiktok (required)'),
    disabled_duet: z.boolean().optional().describe('tiktok (required)'),
    disabled_stitch: z.boolean().optional().describe('tiktok (required)'),
    is_branded_content: z.boolean().optional().describe('tiktok (required)'),
    is_your_brand: z.boolean().optional().describe('tiktok (required)'),
    is_ai_generated: z.boolean().optional().describe('tiktok (required)'),
    auto_add_music: z.boolean().optional().describe('tiktok'),
    is_draft: z.boolean().optional().describe('tiktok: send to drafts'),
    image_cover_index: z.number().int().min(0).optional().describe('tiktok photo posts'),
    video_cover_timestamp_ms: z.number().int().min(0).optional().describe('tiktok videos'),
    title: z
      .string()
      .optional()
      .describe('youtube (required, ≤ 100, no < or >); pinterest (≤ 100); tiktok photo posts'),
    board_id: z.string().optional().describe('pinterest (required): from list_pinterest_boards'),
    privacy_status: z.enum(['private', 'public', 'unlisted']).optional().describe('youtube (required)'),
    notify_subscribers: z.boolean().optional().describe('youtube (required)'),
    made_for_kids: z.boolean().optional().describe('youtube'),
    contains_synthetic_media: z.boolean().optional().describe('youtube'),
    thumbnail_url: z.string().optional().describe('youtube'),
    playlist_ids: z.array(z.string()).optional().describe('youtube'),
  })
  .describe('Platform-specific settings; only those of the chosen platform are used.');

export const postInputShape = {
  account_id: z.string().min(1).describe('Account id from list_accounts'),
  platform: z.enum(PLATFORMS),
  text: z.string().describe('Post text or caption'),
  media_urls: z
    .array(mediaUrl)
    .max(20)
    .default([])
    .describe('Public media URLs (import_media or create_upload_url first for private files)'),
  thread: z
    .array(z.object({ text: z.string(), media_urls: z.array(mediaUrl).max(20).default([]) }))
    .max(10)
    .optional()
    .describe('Further posts of a thread (twitter, threads, bluesky)'),
  scheduled_time: z
    .string()
    .optional()
    .describe(
      'Publish at this time: ISO 8601 with a timezone offset, e.g. 2030-06-15T15:00:00Z; in the future, within 9 months',
    ),
  use_next_free_slot: z.boolean().optional().describe("Queue in the account's next free calendar slot instead"),
  options: postOptionsSchema.optional(),
};
export const postInputSchema = z.object(postInputShape);
export type PostInput = z.infer<typeof postInputSchema>;

export interface PostIssue {
  field: string;
  message: string;
}

export interface BlotatoPostBody {
  post: {
    accountId: string;
    content: {
      text: string;
      mediaUrls: string[];
      platform: Platform;
      additionalPosts?: { text: string; mediaUrls: string[] }[];
    };
    target: { targetType: Platform } & Record<string, unknown>;
  };
  /** At the body ROOT: nested inside `post` Blotato ignores it and publishes at once. */
  scheduledTime?: string;
  useNextFreeSlot?: boolean;
}

export interface PreparedPost {
  valid: boolean;
  issues: PostIssue[];
  warnings: string[];
  body: BlotatoPostBody | null;
  /** `immediately`, `scheduled` or `next_free_slot`. */
  when: 'immediately' | 'scheduled' | 'next_free_slot';
  scheduledTime: string | null;
  preview: string;
}

type Options = z.infer<typeof postOptionsSchema>;

/** Which option goes where in Blotato's `target`, per platform. */
const TARGET_FIELDS: Record<Platform, [keyof Options, string][]> = {
  twitter: [],
  bluesky: [],
  threads: [['reply_control', 'replyControl']],
  linkedin: [['page_id', 'pageId']],
  facebook: [
    ['page_id', 'pageId'],
    ['media_type', 'mediaType'],
    ['link', 'link'],
    ['first_comment', 'firstComment'],
  ],
  instagram: [
    ['media_type', 'mediaType'],
    ['collaborators', 'collaborators'],
    ['alt_text', 'altText'],
    ['cover_image_url', 'coverImageUrl'],
    ['share_to_feed', 'shareToFeed'],
    ['audio_name', 'audioName'],
  ],
  tiktok: [
    ['privacy_level', 'privacyLevel'],
    ['disabled_comments', 'disabledComments'],
    ['disabled_duet', 'disabledDuet'],
    ['disabled_stitch', 'disabledStitch'],
    ['is_branded_content', 'isBrandedContent'],
    ['is_your_brand', 'isYourBrand'],
    ['is_ai_generated', 'isAiGenerated'],
    ['title', 'title'],
    ['auto_add_music', 'autoAddMusic'],
    ['is_draft', 'isDraft'],
    ['image_cover_index', 'imageCoverIndex'],
    ['video_cover_timestamp_ms', 'videoCoverTimestamp'],
  ],
  pinterest: [
    ['board_id', 'boardId'],
    ['title', 'title'],
    ['alt_text', 'altText'],
    ['link', 'link'],
  ],
  youtube: [
    ['title', 'title'],
    ['privacy_status', 'privacyStatus'],
    ['notify_subscribers', 'shouldNotifySubscribers'],
    ['made_for_kids', 'isMadeForKids'],
    ['contains_synthetic_media', 'containsSyntheticMedia'],
    ['thumbnail_url', 'thumbnailUrl'],
    ['playlist_ids', 'playlistIds'],
  ],
};

const TIKTOK_REQUIRED: (keyof Options)[] = [
  'privacy_level',
  'disabled_comments',
  'disabled_duet',
  'disabled_stitch',
  'is_branded_content',
  'is_your_brand',
  'is_ai_generated',
];

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function preparePost(input: PostInput, now = Date.now()): PreparedPost {
  const issues: PostIssue[] = [];
  const warnings: string[] = [];
  const options: Options = input.options ?? {};
  const platform = input.platform;
  const mediaUrls = input.media_urls ?? [];
  const issue = (field: string, message: string) => issues.push({ field, message });

  if (input.text.trim() === '' && mediaUrls.length === 0) issue('text', 'Give text, media, or both.');
  const softLimit = TEXT_LIMITS[platform];
  if (softLimit !== undefined && [...input.text].length > softLimit) {
    warnings.push(`The text has ${[...input.text].length} characters; ${platform} usually allows ${softLimit}.`);
  }
  if (MEDIA_REQUIRED.has(platform) && mediaUrls.length === 0) {
    issue('media_urls', `${platform} requires at least one image or video.`);
  }
  if (input.thread !== undefined && input.thread.length > 0 && !THREAD_PLATFORMS.has(platform)) {
    issue('thread', `Threads are only for ${[...THREAD_PLATFORMS].join(', ')}.`);
  }

  switch (platform) {
    case 'facebook':
      if (!options.page_id)
        issue('options.page_id', 'facebook posts go to a Page: give its page_id (see list_accounts).');
      if (options.media_type === 'story' && options.first_comment) {
        issue('options.first_comment', 'Stories take no first comment.');
      }
      break;
    case 'instagram':
      if ((options.collaborators?.length ?? 0) > 3) issue('options.collaborators', 'At most 3 collaborators.');
      break;
    case 'tiktok':
      for (const field of TIKTOK_REQUIRED) {
        if (options[field] === undefined) {
          issue(
            `options.${field}`,
            field === 'privacy_level'
              ? 'tiktok requires privacy_level (SELF_ONLY, PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS or FOLLOWER_OF_CREATOR).'
              : `tiktok requires ${field} (true or false).`,
          );
        }
      }
      break;
    case 'youtube':
      if (!options.title) issue('options.title', 'youtube requires a title.');
      else if (options.title.length > 100 || /[<>]/.test(options.title)) {
        issue('options.title', 'youtube titles have at most 100 characters and no < or >.');
      }
      if (!options.privacy_status)
        issue('options.privacy_status', 'youtube requires privacy_status (private, public or unlisted).');
      if (options.notify_subscribers === undefined) {
        issue('options.notify_subscribers', 'youtube requires notify_subscribers (true or false).');
      }
      break;
    case 'pinterest':
      if (!options.board_id) issue('options.board_id', 'pinterest requires board_id (see list_pinterest_boards).');
      if (options.title !== undefined && options.title.length > 100) issue('options.title', 'At most 100 characters.');
      if (options.alt_text !== undefined && options.alt_text.length > 500)
        issue('options.alt_text', 'At most 500 characters.');
      if (mediaUrls.length > 5) issue('media_urls', 'pinterest takes one video or 1 to 5 images.');
      break;
    default:
      break;
  }
  const used = new Set(TARGET_FIELDS[platform].map(([field]) => field));
  const ignored = Object.entries(options)
    .filter(([field, value]) => value !== undefined && !used.has(field as keyof Options))
    .map(([field]) => field);
  if (ignored.length > 0) warnings.push(`Ignored for ${platform}: ${ignored.join(', ')}.`);

  let scheduledTime: string | null = null;
  if (input.scheduled_time !== undefined) {
    const at = Date.parse(input.scheduled_time);
    if (!ISO_WITH_OFFSET.test(input.scheduled_time) || Number.isNaN(at)) {
      issue(
        'scheduled_time',
        'Use ISO 8601 with a timezone offset, e.g. 2030-06-15T15:00:00Z or 2030-06-15T17:00:00+02:00.',
      );
    } else if (at < now + MIN_LEAD_MS) {
      issue(
        'scheduled_time',
        `The time must be in the future (at least a minute from now, ${new Date(now).toISOString()}).`,
      );
    } else if (at > horizonFrom(now)) {
      issue(
        'scheduled_time',
        `Blotato schedules at most ${SCHEDULE_HORIZON_MONTHS} months ahead (until ${new Date(horizonFrom(now)).toISOString()}).`,
      );
    } else {
      scheduledTime = new Date(at).toISOString();
    }
    if (input.use_next_free_slot) {
      issue('use_next_free_slot', 'Choose a scheduled_time or the next free slot, not both.');
    }
  }

  const target: BlotatoPostBody['post']['target'] = { targetType: platform };
  for (const [field, blotatoField] of TARGET_FIELDS[platform]) {
    const value = options[field];
    if (value !== undefined) target[blotatoField] = value;
  }
  if (platform === 'instagram' && options.trial_graduation !== undefined) {
    target['trial'] = { graduationStrategy: options.trial_graduation };
  }
  const thread = (input.thread ?? []).map((p) => ({ text: p.text, mediaUrls: p.media_urls ?? [] }));
  const body: BlotatoPostBody = {
    post: {
      accountId: input.account_id,
      content: {
        text: input.text,
        mediaUrls,
        platform,
        ...(thread.length > 0 ? { additionalPosts: thread } : {}),
      },
      target,
    },
    ...(scheduledTime === null ? {} : { scheduledTime }),
    ...(input.use_next_free_slot && scheduledTime === null ? { useNextFreeSlot: true } : {}),
  };
  const when = scheduledTime !== null ? 'scheduled' : input.use_next_free_slot ? 'next_free_slot' : 'immediately';
  const valid = issues.length === 0;
  return {
    valid,
    issues,
    warnings,
    body: valid ? body : null,
    when,
    scheduledTime,
    preview: renderPreview(input, when, scheduledTime, mediaUrls.length, thread.length),
  };
}

function horizonFrom(now: number): number {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() + SCHEDULE_HORIZON_MONTHS);
  return d.getTime();
}

function renderPreview(
  input: PostInput,
  when: PreparedPost['when'],
  scheduledTime: string | null,
  media: number,
  threadLength: number,
): string {
  const timing =
    when === 'scheduled'
      ? `scheduled for ${scheduledTime}`
      : when === 'next_free_slot'
        ? 'in the next free slot'
        : 'publishes immediately';
  const lines = [`${input.platform} · account ${input.account_id} · ${timing}`, input.text];
  if (media > 0) lines.push(`[${media} media item${media === 1 ? '' : 's'}]`);
  if (threadLength > 0) lines.push(`[+${threadLength} more post${threadLength === 1 ? '' : 's'} in the thread]`);
  return lines.join('\n');
}
