import type { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { request } from 'undici';
import type { KeyEvents } from '../keys/key-events.ts';
import type { KeyStore } from '../keys/key-store.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { connectUpstreams, internalUrl } from './linked-accounts.ts';

/**
 * When a key is revoked, the upstream accounts linked to it (Google grants held by the Gmail and Drive
 * servers) are deleted too, so a revoked key leaves no usable grant behind. Every replica hears the
 * invalidation and sends the (idempotent) deletion; a tool server that is down misses it, but its grant is
 * unreachable anyway, because nothing can call it with a revoked key.
 */
export function startGrantCleanup(deps: {
  events: KeyEvents;
  store: KeyStore;
  registry: UpstreamRegistry;
  signer: CallerAssertionSigner;
  log: (details: object, message: string) => void;
}): () => void {
  return deps.events.subscribe((event) => {
    if (event.type !== 'invalidate') return;
    void (async () => {
      const record = await deps.store.get(event.keyId).catch(() => undefined);
      if (record === undefined || record === null || record.revokedAt === null) return;
      for (const upstream of connectUpstreams(deps.registry)) {
        const assertion = await deps.signer.sign({ keyId: event.keyId, scopes: [] }, upstream.name);
        const url = internalUrl(upstream, event.keyId, 'deleted');
        await request(url, { method: 'POST', headers: { authorization: `Bearer ${assertion}` }, headersTimeout: 5000 })
          .then((res) => res.body.dump())
          .catch((error: unknown) => deps.log({ upstream: upstream.name, err: String(error) }, 'grant cleanup failed'));
      }
    })();
  });
}
