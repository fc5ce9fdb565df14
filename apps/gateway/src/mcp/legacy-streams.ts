import type { ServerResponse } from 'node:http';
import type { EventHub } from '../events/event-hub.ts';
import type { CatalogKind, UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { scopeGrants } from './caller-key.ts';
import type { LegacySession } from './legacy-sessions.ts';
import { SseWriter } from './sse-writer.ts';

const NOTIFICATION_OF: Record<CatalogKind, string> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
};

/**
 * The 2025-era GET stream of a session: server-initiated notifications (list changes) plus keep-alives.
 * A stream lives on whichever replica the client's GET reached; every replica watches the upstreams, so
 * each can feed its own streams. Open streams are capped per replica, the only per-session cost it has.
 */
export class LegacyStreams {
  readonly #open = new Set<{ session: LegacySession; scopes: readonly string[]; writer: SseWriter }>();
  readonly #unsubscribe: () => void;
  readonly #onChanged = (kind: CatalogKind) => this.#broadcast(NOTIFICATION_OF[kind]);
  /**
   * Sessions keep no state, so the gateway does not know which sessions subscribed to a URI: an update goes
   * to every open stream whose key can see the resource's upstream (a client ignores updates it did not ask for).
   */
  readonly #onResourceUpdated = (uri: string, upstream: { name: string }) =>
    this.#broadcast('notifications/resources/updated', { uri }, (key) => scopeGrants(key, `${upstream.name}_`));

  constructor(
    private readonly registry: UpstreamRegistry,
    hub: EventHub,
    private readonly maxStreams = 10_000,
  ) {
    registry.on('changed', this.#onChanged);
    registry.on('resource-updated', this.#onResourceUpdated);
    this.#unsubscribe = hub.subscribe((message) => {
      if (message.type === 'tools-changed') this.#broadcast(NOTIFICATION_OF.tools);
      if (message.type === 'session-ended') {
        for (const stream of this.#open) if (stream.session.nonce === message.session) stream.writer.end();
      }
    });
  }

  get size(): number {
    return this.#open.size;
  }

  open(session: LegacySession, scopes: readonly string[], res: ServerResponse): void {
    if (this.#open.size >= this.maxStreams) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32056, message: 'Too many open streams on this replica; retry later.' },
        }),
      );
      return;
    }
    const stream = { session, scopes, writer: new SseWriter(res, 200, {}) };
    this.#open.add(stream);
    res.on('close', () => {
      this.#open.delete(stream);
      stream.writer.end();
    });
  }

  close(): void {
    this.registry.off('changed', this.#onChanged);
    this.registry.off('resource-updated', this.#onResourceUpdated);
    this.#unsubscribe();
    for (const stream of this.#open) stream.writer.end();
    this.#open.clear();
  }

  #broadcast(method: string, params?: Record<string, unknown>, visible?: (scopes: readonly string[]) => boolean): void {
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    for (const stream of this.#open) if (visible === undefined || visible(stream.scopes)) stream.writer.send(message);
  }
}
