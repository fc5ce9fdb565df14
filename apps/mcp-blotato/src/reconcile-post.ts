import type { BlotatoClient, CallContext } from './blotato-client.ts';

/** What was sent, as kept with the idempotency record. */
export interface PostAttempt {
  sentAt: number;
  accountId: string;
  platform: string;
  text: string;
  mediaCount: number;
  scheduledTime: string | null;
}

export interface FoundPost {
  /** The id Blotato lists the post under (its type depends on the state: published id, schedule id…). */
  postId: string;
  status: string;
  scheduledTime: string | null;
  publicUrl: string | null;
}

const PAGES = 4;
const SKEW_MS = 5 * 60_000;

const same = (a: string | null | undefined, b: string) => (a ?? '').trim() === b.trim();

/**
 * Looks for a post an uncertain attempt may have created: in `GET /v2/posts` (scheduled, published and
 * failed posts) and, for scheduled ones, in `GET /v2/schedules`. A post still being processed is listed in
 * neither, which is why a miss only counts after a settle period (see publish_post).
 *
 * Matching is by account, platform, text, media count and time window: Blotato takes no client request id,
 * so two identical posts sent within minutes of each other cannot be told apart.
 */
export async function findPost(
  client: BlotatoClient,
  ctx: CallContext,
  attempt: PostAttempt,
): Promise<FoundPost | undefined> {
  const since = new Date(attempt.sentAt - SKEW_MS).toISOString();
  const until = new Date(
    (attempt.scheduledTime === null ? Date.now() : Date.parse(attempt.scheduledTime)) + SKEW_MS,
  ).toISOString();
  let cursor: string | undefined;
  for (let page = 0; page < PAGES; page++) {
    const listed = await client.listPosts(ctx, {
      since,
      until,
      limit: 100,
      platform: [attempt.platform],
      ...(cursor === undefined ? {} : { cursor }),
    });
    const match = listed.items.find(
      (item) =>
        (item.platform == null || item.platform === attempt.platform) &&
        (item.accountId == null || item.accountId === attempt.accountId) &&
        same(item.text, attempt.text) &&
        (item.mediaUrls == null || item.mediaUrls.length === attempt.mediaCount) &&
        (attempt.scheduledTime === null ||
          item.postTime == null ||
          Date.parse(item.postTime) === Date.parse(attempt.scheduledTime)),
    );
    if (match !== undefined) {
      return {
        postId: match.id,
        status: match.status ?? 'unknown',
        scheduledTime: attempt.scheduledTime,
        publicUrl: match.publicUrl ?? null,
      };
    }
    if (!listed.cursor) break;
    cursor = listed.cursor;
  }
  if (attempt.scheduledTime === null) return undefined;

  cursor = undefined;
  for (let page = 0; page < PAGES; page++) {
    const listed = await client.listSchedules(ctx, { limit: 50, ...(cursor === undefined ? {} : { cursor }) });
    const match = listed.items.find(
      (s) =>
        (s.account?.id ?? s.draft?.accountId) === attempt.accountId &&
        same(s.draft?.content?.text, attempt.text) &&
        s.scheduledAt != null &&
        Date.parse(s.scheduledAt) === Date.parse(attempt.scheduledTime ?? ''),
    );
    if (match !== undefined) {
      return { postId: match.id, status: 'scheduled', scheduledTime: attempt.scheduledTime, publicUrl: null };
    }
    if (!listed.cursor) break;
    cursor = listed.cursor;
  }
  return undefined;
}
