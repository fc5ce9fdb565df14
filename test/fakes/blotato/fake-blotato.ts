/**
 * TEST INFRASTRUCTURE — a fake Blotato API v2, not a product component.
 *
 * Reproduces the documented shapes and behaviours our Blotato tool server must cope with
 * (research/connectors.md §1 and §6; https://help.blotato.com/api/llm):
 * - `blotato-api-key` header check; 401 `{code, reqId, message}`
 * - per-route limits per user (fixed window that starts with the first request), 429
 *   `{"statusCode":429,"message":"Rate limit exceeded, retry in N seconds"}` without any header
 * - `POST /v2/posts` → 201 `{postSubmissionId}`; status `in-progress → published|failed`; scheduled posts;
 *   `scheduledTime` nested anywhere but the body root is silently ignored and the post goes out at once
 *   (the state records which happened, so a test catches a misplaced field)
 * - unknown post ids stay `in-progress`; list posts shows scheduled/published/failed only
 * - 422 validation per platform, 500 `{code: 9999}`, schedules with cursor pagination, media, presigned
 *   uploads, visual templates with a status progression, credits
 * - switches (`setMode`) for "accept, then never answer", "reset the connection" and "500" per route.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAKE_BLOTATO_API_KEY = 'fake-blotato-key-0123456789abcdef==';

export type FakeRoute =
  | 'GET /v2/users/me'
  | 'GET /v2/users/me/accounts'
  | 'GET /v2/users/me/accounts/:id/subaccounts'
  | 'GET /v2/social/pinterest/boards'
  | 'POST /v2/posts'
  | 'GET /v2/posts/:id'
  | 'GET /v2/posts'
  | 'GET /v2/schedules'
  | 'GET /v2/schedules/:id'
  | 'PATCH /v2/schedules/:id'
  | 'DELETE /v2/schedules/:id'
  | 'POST /v2/media'
  | 'POST /v2/media/uploads'
  | 'GET /v2/videos/templates'
  | 'POST /v2/videos/from-templates'
  | 'GET /v2/videos/creations/:id'
  | 'GET /v2/credits';

/**
 * - `hang-after-accept`: do the work (create the post…), then never answer: the client times out.
 * - `reset`: destroy the connection before doing anything. `reset-after-accept`: do the work, then destroy it.
 * - `error-500`: answer 500 `{code: 9999}` without doing anything; `error-500-after-accept`: do it, then 500.
 * - `rate-limit`: answer 429 whatever the counters say.
 */
export type FakeMode =
  | 'normal'
  | 'hang-after-accept'
  | 'reset'
  | 'reset-after-accept'
  | 'error-500'
  | 'error-500-after-accept'
  | 'rate-limit';

/** Blotato's documented per-route limits (requests per minute, https://help.blotato.com/api-and-mcp-concepts/rate-limits). */
export const BLOTATO_DOCUMENTED_LIMITS: Partial<Record<FakeRoute, number>> = {
  'POST /v2/posts': 30,
  'GET /v2/posts/:id': 60,
  'GET /v2/posts': 60,
  'POST /v2/media': 30,
  'POST /v2/media/uploads': 120,
  'GET /v2/social/pinterest/boards': 45,
  'POST /v2/videos/from-templates': 30,
};

export interface FakeAccount {
  id: string;
  platform: string;
  fullname: string;
  username: string;
  subaccounts?: { id: string; name: string }[];
  boards?: { id: string; name: string }[];
}

export interface FakePost {
  postSubmissionId: string;
  /** The body exactly as received. */
  body: unknown;
  accountId: string;
  platform: string;
  text: string;
  mediaUrls: string[];
  additionalPosts: unknown[];
  target: Record<string, unknown>;
  /** `scheduledTime` found at the body root, which Blotato honours. */
  scheduledTime: string | null;
  /** A `scheduledTime` found anywhere else (ignored, as Blotato does). */
  ignoredNestedScheduledTime: string | null;
  /** True when the post went out at once (no root scheduledTime, no useNextFreeSlot). */
  immediate: boolean;
  createdAt: number;
  scheduleId: string | null;
  cancelled: boolean;
}

export interface FakeVisual {
  id: string;
  templateId: string;
  createdAt: number;
  inputs: unknown;
  prompt: string | null;
}

export interface FakeBlotatoState {
  posts: FakePost[];
  visuals: FakeVisual[];
  media: { url: string; source: string }[];
  uploads: { filename: string; publicUrl: string }[];
  /** Every request by route, including refused ones. */
  requests: Partial<Record<FakeRoute, number>>;
  /** 429 answers by route, and when they were sent. */
  rateLimited: Partial<Record<FakeRoute, number>>;
  rateLimitedAt: Partial<Record<FakeRoute, number[]>>;
  credits: number;
}

export interface FakeBlotatoOptions {
  apiKey?: string;
  port?: number;
  /** Requests per window, per route; routes absent here are not limited. Defaults to Blotato's documented limits. */
  limits?: Partial<Record<FakeRoute, number>>;
  /** Limit window; Blotato's limits are per minute. */
  windowMs?: number;
  /** Time an immediate post stays `in-progress`. */
  publishDelayMs?: number;
  /** Time per visual status step. */
  visualStepMs?: number;
  /** Extra latency on every answer. */
  latencyMs?: number;
  accounts?: FakeAccount[];
}

export interface FakeBlotato {
  url: string;
  apiKey: string;
  state: FakeBlotatoState;
  setMode(route: FakeRoute, mode: FakeMode, options?: { times?: number; retryInS?: number }): void;
  close(): Promise<void>;
}

export const DEFAULT_FAKE_ACCOUNTS: FakeAccount[] = [
  { id: '98432', platform: 'twitter', fullname: 'Jane Smith', username: 'janesmith' },
  {
    id: '98433',
    platform: 'facebook',
    fullname: 'Jane Smith',
    username: 'jane.smith',
    subaccounts: [{ id: '123456789', name: 'My Business Page' }],
  },
  { id: '98434', platform: 'instagram', fullname: 'Jane Smith', username: 'jane.gram' },
  { id: '98435', platform: 'tiktok', fullname: 'Jane Smith', username: 'jane.tok' },
  {
    id: '98436',
    platform: 'pinterest',
    fullname: 'Jane Smith',
    username: 'janepins',
    boards: [
      { id: 'board-1', name: 'Recipes' },
      { id: 'board-2', name: 'Travel' },
    ],
  },
  { id: '98437', platform: 'youtube', fullname: 'Jane Smith', username: 'janetube' },
  {
    id: '98438',
    platform: 'linkedin',
    fullname: 'Jane Smith',
    username: 'jane-smith',
    subaccounts: [{ id: '555000111', name: 'Acme Inc.' }],
  },
  { id: '98439', platform: 'threads', fullname: 'Jane Smith', username: 'jane.threads' },
  { id: '98440', platform: 'bluesky', fullname: 'Jane Smith', username: 'jane.bsky.social' },
];

const TEMPLATES = [
  {
    id: '/base/v2/quote-card/77f65d2b-48e1-4bd8-9d1e-2f6c1c0a3f11/v1',
    name: 'Quote card',
    description: 'A square image with a quote and its author.',
    type: 'image',
    inputs: [
      { name: 'quote', label: 'Quote', type: { t: 'text' } },
      { name: 'author', label: 'Author', type: { t: 'text', default: '' } },
      { name: 'theme', label: 'Theme', type: { t: 'enum', values: ['light', 'dark'], default: 'light' } },
    ],
  },
  {
    id: '/base/v2/carousel/0b7c4e5e-9a57-4a63-8d0f-5d1e2c3b4a59/v1',
    name: 'Tutorial carousel',
    description: 'A carousel of slides with a title and bullet points.',
    type: 'carousel',
    inputs: [
      { name: 'slides', label: 'Slides', type: { t: 'array', itemType: 'text' } },
      { name: 'showNumbers', label: 'Number the slides', type: { t: 'boolean', default: true } },
    ],
  },
];

const VISUAL_STEPS = [
  'queueing',
  'generating-script',
  'script-ready',
  'generating-media',
  'media-ready',
  'exporting',
  'done',
];

const PLATFORMS = [
  'twitter',
  'instagram',
  'linkedin',
  'facebook',
  'tiktok',
  'pinterest',
  'threads',
  'bluesky',
  'youtube',
];
const MEDIA_REQUIRED = new Set(['instagram', 'tiktok', 'pinterest', 'youtube']);
const TIKTOK_BOOLEANS = [
  'disabledComments',
  'disabledDuet',
  'disabledStitch',
  'isBrandedContent',
  'isYourBrand',
  'isAiGenerated',
];

const ROUTES: [string, RegExp, FakeRoute][] = [
  ['GET', /^\/v2\/users\/me$/, 'GET /v2/users/me'],
  ['GET', /^\/v2\/users\/me\/accounts$/, 'GET /v2/users/me/accounts'],
  ['GET', /^\/v2\/users\/me\/accounts\/([^/]+)\/subaccounts$/, 'GET /v2/users/me/accounts/:id/subaccounts'],
  ['GET', /^\/v2\/social\/pinterest\/boards$/, 'GET /v2/social/pinterest/boards'],
  ['POST', /^\/v2\/posts$/, 'POST /v2/posts'],
  ['GET', /^\/v2\/posts$/, 'GET /v2/posts'],
  ['GET', /^\/v2\/posts\/([^/]+)$/, 'GET /v2/posts/:id'],
  ['GET', /^\/v2\/schedules$/, 'GET /v2/schedules'],
  ['GET', /^\/v2\/schedules\/([^/]+)$/, 'GET /v2/schedules/:id'],
  ['PATCH', /^\/v2\/schedules\/([^/]+)$/, 'PATCH /v2/schedules/:id'],
  ['DELETE', /^\/v2\/schedules\/([^/]+)$/, 'DELETE /v2/schedules/:id'],
  ['POST', /^\/v2\/media$/, 'POST /v2/media'],
  ['POST', /^\/v2\/media\/uploads$/, 'POST /v2/media/uploads'],
  ['GET', /^\/v2\/videos\/templates$/, 'GET /v2/videos/templates'],
  ['POST', /^\/v2\/videos\/from-templates$/, 'POST /v2/videos/from-templates'],
  ['GET', /^\/v2\/videos\/creations\/([^/]+)$/, 'GET /v2/videos/creations/:id'],
  ['GET', /^\/v2\/credits$/, 'GET /v2/credits'],
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const invalid = (message: string) => new HttpError(422, { statusCode: 422, message });
const notFound = (message: string) => new HttpError(404, { statusCode: 404, message });

export async function startFakeBlotato(options: FakeBlotatoOptions = {}): Promise<FakeBlotato> {
  const apiKey = options.apiKey ?? FAKE_BLOTATO_API_KEY;
  const limits = options.limits ?? BLOTATO_DOCUMENTED_LIMITS;
  const windowMs = options.windowMs ?? 60_000;
  const publishDelayMs = options.publishDelayMs ?? 300;
  const visualStepMs = options.visualStepMs ?? 200;
  const accounts = options.accounts ?? DEFAULT_FAKE_ACCOUNTS;
  const state: FakeBlotatoState = {
    posts: [],
    visuals: [],
    media: [],
    uploads: [],
    requests: {},
    rateLimited: {},
    rateLimitedAt: {},
    credits: 5000,
  };
  const modes = new Map<FakeRoute, { mode: FakeMode; times: number; retryInS: number }>();
  const windows = new Map<FakeRoute, { start: number; count: number }>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let sequence = 0;

  const route = (method: string, path: string): { route: FakeRoute; id?: string } | undefined => {
    for (const [m, pattern, r] of ROUTES) {
      if (m !== method) continue;
      const match = pattern.exec(path);
      if (match === null) continue;
      return match[1] === undefined ? { route: r } : { route: r, id: decodeURIComponent(match[1]) };
    }
    return undefined;
  };

  /** Fixed window per route, starting with the first request after the previous window ended. */
  const overLimit = (r: FakeRoute, now: number): number | undefined => {
    const limit = limits[r];
    if (limit === undefined) return undefined;
    let window = windows.get(r);
    if (window === undefined || now >= window.start + windowMs) {
      window = { start: now, count: 0 };
      windows.set(r, window);
    }
    if (window.count >= limit) return Math.max(1, Math.ceil((window.start + windowMs - now) / 1000));
    window.count++;
    return undefined;
  };

  const postStatus = (post: FakePost, now: number) => {
    if (post.cancelled) return { status: 'failed', errorMessage: 'The scheduled post was cancelled.' };
    const publishAt = (post.scheduledTime === null ? post.createdAt : Date.parse(post.scheduledTime)) + publishDelayMs;
    if (post.scheduledTime !== null && now < Date.parse(post.scheduledTime)) {
      return { status: 'scheduled', scheduledTime: post.scheduledTime };
    }
    if (now < publishAt) return { status: 'in-progress' };
    if (/#fail\b/.test(post.text)) return { status: 'failed', errorMessage: 'Unsupported media type' };
    return {
      status: 'published',
      publicUrl: `https://social.example/${post.platform}/${post.postSubmissionId.slice(0, 8)}`,
    };
  };

  const scheduleItem = (post: FakePost) => {
    const account = accounts.find((a) => a.id === post.accountId);
    const pageId = typeof post.target['pageId'] === 'string' ? post.target['pageId'] : null;
    return {
      id: post.scheduleId,
      scheduledAt: new Date(Date.parse(post.scheduledTime ?? '')).toISOString(),
      account:
        account === undefined
          ? null
          : {
              id: account.id,
              name: account.fullname,
              username: account.username,
              profileImageUrl: `https://images.example/${account.id}.png`,
              subaccountId: pageId,
              subId: pageId,
              subaccountName: account.subaccounts?.find((s) => s.id === pageId)?.name ?? null,
            },
      draft: (post.body as { post?: unknown }).post ?? null,
    };
  };

  const findNested = (value: unknown, depth = 0): string | null => {
    if (value === null || typeof value !== 'object' || depth > 6) return null;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'scheduledTime' && typeof v === 'string') return v;
      const inner = findNested(v, depth + 1);
      if (inner !== null) return inner;
    }
    return null;
  };

  const createPost = (body: unknown, now: number) => {
    if (body === null || typeof body !== 'object') throw invalid('body must be an object');
    const root = body as Record<string, unknown>;
    const post = root['post'] as Record<string, unknown> | undefined;
    if (post === undefined || typeof post !== 'object') throw invalid('body.post is required');
    const content = (post['content'] ?? {}) as Record<string, unknown>;
    const target = (post['target'] ?? {}) as Record<string, unknown>;
    const accountId = post['accountId'];
    if (typeof accountId !== 'string' || accountId === '') throw invalid('body.post.accountId is required');
    if (typeof content['text'] !== 'string') throw invalid('body.post.content.text is required');
    if (!Array.isArray(content['mediaUrls'])) throw invalid('body.post.content.mediaUrls must be an array');
    const platform = content['platform'];
    if (typeof platform !== 'string' || !PLATFORMS.includes(platform)) {
      throw invalid('body.post.content.platform must be one of ' + PLATFORMS.join(', '));
    }
    if (target['targetType'] !== platform) throw invalid('body.post.target.targetType must equal content.platform');
    const account = accounts.find((a) => a.id === accountId);
    if (account === undefined || account.platform !== platform) throw invalid('Wrong Account ID');
    const mediaUrls = content['mediaUrls'] as unknown[];
    if (mediaUrls.length > 20) throw invalid('body.post.content.mediaUrls must have at most 20 items');
    if (MEDIA_REQUIRED.has(platform) && mediaUrls.length === 0)
      throw invalid(`${platform} requires at least one media item`);
    if (platform === 'facebook' && typeof target['pageId'] !== 'string') throw invalid('Wrong Page ID');
    if (platform === 'tiktok') {
      if (typeof target['privacyLevel'] !== 'string') throw invalid('body.post.target.privacyLevel is required');
      for (const flag of TIKTOK_BOOLEANS) {
        if (typeof target[flag] !== 'boolean') throw invalid(`body.post.target.${flag} must be a boolean`);
      }
    }
    if (platform === 'youtube') {
      if (typeof target['title'] !== 'string') throw invalid('body.post.target.title is required');
      if (typeof target['privacyStatus'] !== 'string') throw invalid('body.post.target.privacyStatus is required');
      if (typeof target['shouldNotifySubscribers'] !== 'boolean') {
        throw invalid('body.post.target.shouldNotifySubscribers must be a boolean');
      }
    }
    if (platform === 'pinterest' && typeof target['boardId'] !== 'string')
      throw invalid('body.post.target.boardId is required');
    const scheduledTime = typeof root['scheduledTime'] === 'string' ? root['scheduledTime'] : null;
    if (scheduledTime !== null) {
      const at = Date.parse(scheduledTime);
      if (Number.isNaN(at)) throw invalid('scheduledTime must be an ISO 8601 date');
      if (at <= now) throw invalid('scheduledTime must be in the future');
    }
    const useNextFreeSlot = root['useNextFreeSlot'] === true;
    const effective =
      scheduledTime ??
      (useNextFreeSlot ? new Date(Math.ceil((now + 3_600_000) / 3_600_000) * 3_600_000).toISOString() : null);
    const record: FakePost = {
      postSubmissionId: randomUUID(),
      body,
      accountId,
      platform,
      text: content['text'] as string,
      mediaUrls: mediaUrls.filter((u): u is string => typeof u === 'string'),
      additionalPosts: Array.isArray(content['additionalPosts']) ? content['additionalPosts'] : [],
      target,
      scheduledTime: effective,
      ignoredNestedScheduledTime: findNested(post),
      immediate: effective === null,
      createdAt: now,
      scheduleId: effective === null ? null : `sch_${(++sequence).toString(36)}${randomUUID().slice(0, 8)}`,
      cancelled: false,
    };
    state.posts.push(record);
    return { status: 201, body: { postSubmissionId: record.postSubmissionId } };
  };

  const handle = (r: FakeRoute, id: string | undefined, url: URL, body: unknown, now: number) => {
    switch (r) {
      case 'GET /v2/users/me':
        // Blotato echoes the API key here; our server must strip it.
        return {
          status: 200,
          body: { id: 'user_fake_1', subscriptionStatus: 'active', subscriptionPlan: 'creator', apiKey },
        };
      case 'GET /v2/users/me/accounts': {
        const platform = url.searchParams.get('platform');
        const items = accounts
          .filter((a) => platform === null || a.platform === platform)
          .map(({ id: accountId, platform: p, fullname, username }) => ({
            id: accountId,
            platform: p,
            fullname,
            username,
          }));
        return { status: 200, body: { items } };
      }
      case 'GET /v2/users/me/accounts/:id/subaccounts': {
        const account = accounts.find((a) => a.id === id);
        if (account === undefined) throw notFound('Account not found');
        return {
          status: 200,
          body: { items: (account.subaccounts ?? []).map((s) => ({ id: s.id, accountId: account.id, name: s.name })) },
        };
      }
      case 'GET /v2/social/pinterest/boards': {
        const account = accounts.find((a) => a.id === url.searchParams.get('accountId') && a.platform === 'pinterest');
        if (account === undefined) throw invalid('accountId must be a connected Pinterest account');
        return { status: 200, body: { items: account.boards ?? [] } };
      }
      case 'POST /v2/posts':
        return createPost(body, now);
      case 'GET /v2/posts/:id': {
        const post = state.posts.find((p) => p.postSubmissionId === id);
        // Documented gotcha: an unknown id is never 404, it looks pending forever.
        if (post === undefined) return { status: 200, body: { postSubmissionId: id, status: 'in-progress' } };
        return {
          status: 200,
          body: { postSubmissionId: id, scheduledTime: post.scheduledTime, ...postStatus(post, now) },
        };
      }
      case 'GET /v2/posts': {
        const since = Date.parse(url.searchParams.get('since') ?? '') || now - 7 * 86_400_000;
        const until = Date.parse(url.searchParams.get('until') ?? '') || now + 7 * 86_400_000;
        const limit = Math.min(250, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
        const statuses = url.searchParams.getAll('status');
        const platforms = url.searchParams.getAll('platform');
        const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString() || 0);
        const all = state.posts
          .map((p) => ({ p, s: postStatus(p, now) }))
          .filter(({ s }) => s.status !== 'in-progress')
          .map(({ p, s }) => ({
            // The id's type depends on the state, as documented: schedule id, published id or submission id.
            id:
              s.status === 'scheduled'
                ? p.scheduleId
                : s.status === 'published'
                  ? `pst_${p.postSubmissionId.replaceAll('-', '').slice(0, 16)}`
                  : p.postSubmissionId,
            status: s.status,
            postTime: new Date(
              p.scheduledTime === null ? p.createdAt + publishDelayMs : Date.parse(p.scheduledTime),
            ).toISOString(),
            platform: p.platform,
            accountId: p.accountId,
            text: p.text,
            mediaUrls: p.mediaUrls,
            ...('publicUrl' in s ? { publicUrl: s.publicUrl } : {}),
            ...('errorMessage' in s ? { errorMessage: s.errorMessage } : {}),
          }))
          .filter((i) => Date.parse(i.postTime) >= since && Date.parse(i.postTime) <= until)
          .filter((i) => statuses.length === 0 || statuses.includes(i.status))
          .filter((i) => platforms.length === 0 || platforms.includes(i.platform))
          .sort((a, b) => Date.parse(b.postTime) - Date.parse(a.postTime));
        const items = all.slice(offset, offset + limit);
        const next =
          offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
        return { status: 200, body: { items, ...(next === undefined ? {} : { cursor: next }) } };
      }
      case 'GET /v2/schedules': {
        const limit = Math.min(50, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
        const offset = Number(Buffer.from(url.searchParams.get('cursor') ?? '', 'base64url').toString() || 0);
        const future = state.posts
          .filter((p) => p.scheduleId !== null && !p.cancelled && Date.parse(p.scheduledTime ?? '') > now)
          .sort((a, b) => Date.parse(a.scheduledTime ?? '') - Date.parse(b.scheduledTime ?? ''));
        const items = future.slice(offset, offset + limit).map(scheduleItem);
        const next =
          offset + limit < future.length ? Buffer.from(String(offset + limit)).toString('base64url') : undefined;
        return {
          status: 200,
          body: { items, count: String(future.length), ...(next === undefined ? {} : { cursor: next }) },
        };
      }
      case 'GET /v2/schedules/:id':
      case 'PATCH /v2/schedules/:id':
      case 'DELETE /v2/schedules/:id': {
        const post = state.posts.find((p) => p.scheduleId === id && !p.cancelled);
        if (post === undefined || Date.parse(post.scheduledTime ?? '') <= now) throw notFound('Schedule not found');
        if (r === 'GET /v2/schedules/:id') return { status: 200, body: scheduleItem(post) };
        if (r === 'DELETE /v2/schedules/:id') {
          post.cancelled = true;
          return { status: 204, body: undefined };
        }
        const patch = (body ?? {}) as { post?: Record<string, unknown>; scheduledTime?: unknown };
        if (patch.post === undefined && patch.scheduledTime === undefined) {
          throw invalid('At least one of post or scheduledTime is required');
        }
        if (patch.scheduledTime !== undefined) {
          const at = typeof patch.scheduledTime === 'string' ? Date.parse(patch.scheduledTime) : Number.NaN;
          if (Number.isNaN(at) || at <= now) throw invalid('scheduledTime must be in the future');
          post.scheduledTime = new Date(at).toISOString();
        }
        if (patch.post !== undefined) {
          const content = (patch.post['content'] ?? {}) as Record<string, unknown>;
          if (typeof content['text'] === 'string') post.text = content['text'];
          post.body = {
            ...(post.body as object),
            post: { ...((post.body as { post: object }).post ?? {}), ...patch.post },
          };
        }
        return { status: 200, body: scheduleItem(post) };
      }
      case 'POST /v2/media': {
        const source = (body as { url?: unknown } | null)?.url;
        if (typeof source !== 'string' || !/^(https?:\/\/|data:)/.test(source)) throw invalid('body.url must be a URL');
        const ext = /\.(\w{2,4})(?:\?|$)/.exec(source)?.[1] ?? 'jpg';
        const media = { url: `https://database.blotato.com/${randomUUID()}.${ext}`, source };
        state.media.push(media);
        return { status: 201, body: { url: media.url } };
      }
      case 'POST /v2/media/uploads': {
        const filename = (body as { filename?: unknown } | null)?.filename;
        if (typeof filename !== 'string' || !/\.\w+$/.test(filename))
          throw invalid('body.filename must include an extension');
        const uuid = randomUUID();
        const publicUrl = `https://database.blotato.com/${uuid}${/\.\w+$/.exec(filename)?.[0] ?? ''}`;
        state.uploads.push({ filename, publicUrl });
        return {
          status: 201,
          body: {
            presignedUrl: `https://uploads.fake-blotato.test/${uuid}?X-Amz-Signature=${randomUUID().replaceAll('-', '')}`,
            publicUrl,
          },
        };
      }
      case 'GET /v2/videos/templates': {
        const wanted = url.searchParams.get('id');
        const fields = url.searchParams.get('fields')?.split(',');
        const items = TEMPLATES.filter((t) => wanted === null || t.id === wanted).map((t) =>
          fields === undefined ? t : Object.fromEntries(Object.entries(t).filter(([k]) => fields.includes(k))),
        );
        return { status: 200, body: { items } };
      }
      case 'POST /v2/videos/from-templates': {
        const request = (body ?? {}) as { templateId?: unknown; inputs?: unknown; prompt?: unknown };
        const template = TEMPLATES.find((t) => t.id === request.templateId);
        if (template === undefined) throw invalid('templateId does not name a template');
        if (request.inputs === undefined || typeof request.inputs !== 'object')
          throw invalid('body.inputs must be an object');
        state.credits -= 10;
        const visual: FakeVisual = {
          id: `vid_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
          templateId: template.id,
          createdAt: now,
          inputs: request.inputs,
          prompt: typeof request.prompt === 'string' ? request.prompt : null,
        };
        state.visuals.push(visual);
        return { status: 201, body: { item: { id: visual.id, status: 'queueing' } } };
      }
      case 'GET /v2/videos/creations/:id': {
        const visual = state.visuals.find((v) => v.id === id);
        if (visual === undefined) throw notFound('Video not found');
        const step = Math.min(VISUAL_STEPS.length - 1, Math.floor((now - visual.createdAt) / visualStepMs));
        const status = VISUAL_STEPS[step] ?? 'queueing';
        const carousel = TEMPLATES.find((t) => t.id === visual.templateId)?.type === 'carousel';
        const done = status === 'done';
        return {
          status: 200,
          body: {
            item: {
              id: visual.id,
              status,
              ...(done && !carousel ? { mediaUrl: `https://database.blotato.com/${visual.id}.png` } : {}),
              ...(done && carousel
                ? { imageUrls: [1, 2, 3].map((n) => `https://database.blotato.com/${visual.id}-${n}.png`) }
                : {}),
            },
          },
        };
      }
      case 'GET /v2/credits':
        return {
          status: 200,
          body: {
            creditsRemaining: state.credits,
            accountEmail: 'jane@example.com',
            purchaseQuantityRange: { min: 1000, max: 100000 },
            pricePer1000CreditsUsd: 10,
          },
        };
    }
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const write = () => {
      if (res.destroyed) return;
      if (body === undefined) {
        res.writeHead(status).end();
        return;
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
    };
    if (options.latencyMs) setTimeout(write, options.latencyMs);
    else write();
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const url = new URL(req.url ?? '/', 'http://fake-blotato');
      const matched = route(req.method ?? 'GET', url.pathname);
      if (matched === undefined)
        return send(res, 404, { statusCode: 404, message: `Cannot ${req.method} ${url.pathname}` });
      const r = matched.route;
      state.requests[r] = (state.requests[r] ?? 0) + 1;
      if (req.headers['blotato-api-key'] !== apiKey) {
        return send(res, 401, { code: 401, reqId: `req_${randomUUID().slice(0, 12)}`, message: 'Invalid API key' });
      }
      const override = modes.get(r);
      let mode: FakeMode = 'normal';
      if (override !== undefined && override.times > 0) {
        mode = override.mode;
        override.times--;
      }
      const retryIn = mode === 'rate-limit' ? (override?.retryInS ?? 30) : overLimit(r, now);
      if (retryIn !== undefined) {
        state.rateLimited[r] = (state.rateLimited[r] ?? 0) + 1;
        state.rateLimitedAt[r] = [...(state.rateLimitedAt[r] ?? []), now];
        // Documented shape; Blotato sends no Retry-After or X-RateLimit-* header.
        return send(res, 429, { statusCode: 429, message: `Rate limit exceeded, retry in ${retryIn} seconds` });
      }
      if (mode === 'reset') return req.socket.destroy();
      if (mode === 'error-500') return send(res, 500, { code: 9999, message: 'An unknown error occurred.' });
      let body: unknown;
      if (chunks.length > 0) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return send(res, 400, { statusCode: 400, message: 'Body is not valid JSON' });
        }
      }
      let result: { status: number; body: unknown };
      try {
        result = handle(r, matched.id, url, body, now);
      } catch (error) {
        if (error instanceof HttpError) return send(res, error.status, error.body);
        return send(res, 500, { code: 9999, message: 'An unknown error occurred.' });
      }
      if (mode === 'hang-after-accept') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (mode === 'reset-after-accept') return req.socket.destroy();
      if (mode === 'error-500-after-accept')
        return send(res, 500, { code: 9999, message: 'An unknown error occurred.' });
      send(res, result.status, result.body);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    state,
    setMode(r, mode, modeOptions = {}) {
      modes.set(r, {
        mode,
        times: modeOptions.times ?? Number.POSITIVE_INFINITY,
        retryInS: modeOptions.retryInS ?? 30,
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
