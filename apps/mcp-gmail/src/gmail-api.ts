import type { CallerCredential, GoogleApiClient } from '@switchboard/google-auth';
import type { GmailDraft, GmailLabel, GmailMessage, GmailThread, GmailThreadList } from './gmail-types.ts';

/**
 * Quota units per method, from https://developers.google.com/gmail/api/reference/quota (per user:
 * 15,000 units a minute). The governor charges these as weights.
 */
export const GMAIL_UNITS = {
  'users.getProfile': 1,
  'threads.list': 10,
  'threads.get': 10,
  'messages.get': 5,
  'messages.attachments.get': 5,
  'labels.list': 1,
  'drafts.create': 10,
  'drafts.send': 100,
} as const;

/** Who is calling: the caller's Google credential, its team key (for fair queueing) and the call's signal. */
export interface GmailCall {
  credential: CallerCredential;
  callerKey: string;
  signal?: AbortSignal;
}

const USER = '/gmail/v1/users/me';

/**
 * The Gmail endpoints the tools use, over the shared Google client (quota, retries, 401 refresh). IDs are
 * always path-encoded: they come from model input.
 */
export class GmailApi {
  readonly #client: GoogleApiClient;

  constructor(client: GoogleApiClient) {
    this.#client = client;
  }

  getProfile(call: GmailCall) {
    return this.#get<{ emailAddress: string }>(call, 'users.getProfile', `${USER}/profile`);
  }

  listThreads(
    call: GmailCall,
    params: { q?: string; labelIds?: string[]; maxResults: number; pageToken?: string; includeSpamTrash: boolean },
  ) {
    return this.#get<GmailThreadList>(call, 'threads.list', `${USER}/threads`, {
      q: params.q === '' ? undefined : params.q,
      labelIds: params.labelIds,
      maxResults: params.maxResults,
      pageToken: params.pageToken,
      includeSpamTrash: params.includeSpamTrash,
    });
  }

  getThread(call: GmailCall, id: string, format: 'full' | 'metadata', metadataHeaders?: string[]) {
    return this.#get<GmailThread>(call, 'threads.get', `${USER}/threads/${encodeURIComponent(id)}`, {
      format,
      metadataHeaders,
    });
  }

  getMessage(call: GmailCall, id: string, format: 'full' | 'metadata', metadataHeaders?: string[]) {
    return this.#get<GmailMessage>(call, 'messages.get', `${USER}/messages/${encodeURIComponent(id)}`, {
      format,
      metadataHeaders,
    });
  }

  async getAttachmentData(call: GmailCall, messageId: string, attachmentId: string): Promise<string> {
    const body = await this.#get<{ data?: string }>(
      call,
      'messages.attachments.get',
      `${USER}/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}`,
    );
    return body.data ?? '';
  }

  async listLabels(call: GmailCall): Promise<GmailLabel[]> {
    return (await this.#get<{ labels?: GmailLabel[] }>(call, 'labels.list', `${USER}/labels`)).labels ?? [];
  }

  createDraft(call: GmailCall, raw: string, threadId: string | undefined) {
    return this.#client.json<GmailDraft>({
      ...this.#base(call),
      method: 'POST',
      path: `${USER}/drafts`,
      json: { message: { raw, ...(threadId === undefined ? {} : { threadId }) } },
      units: GMAIL_UNITS['drafts.create'],
      route: 'drafts.create',
    });
  }

  sendDraft(call: GmailCall, draftId: string) {
    return this.#client.json<GmailMessage>({
      ...this.#base(call),
      method: 'POST',
      path: `${USER}/drafts/send`,
      json: { id: draftId },
      units: GMAIL_UNITS['drafts.send'],
      route: 'drafts.send',
    });
  }

  #get<T>(
    call: GmailCall,
    route: keyof typeof GMAIL_UNITS,
    path: string,
    query?: Record<string, string | number | boolean | string[] | undefined>,
  ): Promise<T> {
    return this.#client.json<T>({
      ...this.#base(call),
      method: 'GET',
      path,
      ...(query === undefined ? {} : { query }),
      units: GMAIL_UNITS[route],
      route,
    });
  }

  #base(call: GmailCall) {
    return {
      credential: call.credential,
      callerKey: call.callerKey,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
    };
  }
}
