import type { GoogleCredentials } from '@switchboard/google-auth';
import type { ToolContext } from '@switchboard/tool-server';
import type { GmailApi, GmailCall } from './gmail-api.ts';
import type { GmailLabel } from './gmail-types.ts';

/** What every Gmail tool needs. */
export interface GmailToolDeps {
  credentials: GoogleCredentials;
  gmail: GmailApi;
  /** `GMAIL_SEND_ENABLED`: sending exists only when the operator turned it on. */
  sendEnabled: boolean;
  labels: LabelDirectory;
}

/** The caller's Gmail, as the verified caller assertion names it (`ctx.caller.keyId`). */
export async function gmailCall(deps: GmailToolDeps, ctx: ToolContext): Promise<GmailCall> {
  return {
    credential: await deps.credentials.forCaller(ctx.caller.keyId),
    callerKey: ctx.caller.keyId,
    signal: ctx.signal,
  };
}

/**
 * Label names per Google account, cached for ten minutes: results show names ("Projects"), not ids
 * ("Label_1"), and labels.list costs one unit.
 */
export class LabelDirectory {
  readonly #cache = new Map<string, { labels: GmailLabel[]; until: number }>();
  readonly #ttlMs: number;

  constructor(ttlMs = 10 * 60_000) {
    this.#ttlMs = ttlMs;
  }

  async list(gmail: GmailApi, call: GmailCall): Promise<GmailLabel[]> {
    const key = call.credential.accountKey;
    const hit = this.#cache.get(key);
    if (hit !== undefined && hit.until > Date.now()) return hit.labels;
    const labels = await gmail.listLabels(call);
    if (this.#cache.size > 1000) this.#cache.clear();
    this.#cache.set(key, { labels, until: Date.now() + this.#ttlMs });
    return labels;
  }

  async names(gmail: GmailApi, call: GmailCall): Promise<Map<string, string>> {
    return new Map((await this.list(gmail, call)).map((label) => [label.id, label.name]));
  }
}
