import type { IdempotencyStore } from '@switchboard/idempotency';
import type { ToolContext } from '@switchboard/tool-server';
import type { BlotatoClient, CallContext } from '../blotato-client.ts';
import type { BlotatoConfig } from '../config.ts';

/** What every Blotato tool is built from. */
export interface BlotatoToolDeps {
  client: BlotatoClient;
  idempotency: IdempotencyStore;
  config: BlotatoConfig;
}

/** The governor queues by team key; the client's signal cancels the upstream request. */
export function callContext(ctx: ToolContext): CallContext {
  return { callerKey: ctx.caller.keyId, signal: ctx.signal };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** A short preview of a post's text for listings (lists stay small for the model's context). */
export function preview(text: string | null | undefined, max = 140): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

export const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
