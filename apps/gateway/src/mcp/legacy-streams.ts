import type { ServerResponse } from 'node:http';
import type { EventHub } from '../events/event-hub.ts';
import type { CatalogKind, UpstreamRegistry } from '../upstreams/upstream-registry.ts';
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
  readonly #open = new Set<{ session: LegacySession; writer: SseWriter }>();
  readonly #unsubscribe: () => void;
  readonly #onChanged = (kind: CatalogKind) => this.#broadcast(NOTIFICATION_OF[kind]);

  constructor(
    private readonly registry: UpstreamRegistry,
    hub: EventHub,
    private readonly maxStreams = 10_000,
  ) {
    registry.on('changed', this.#onChanged);
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

  open(session: LegacySession, res: ServerResponse): void {
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
    const stream = { session, writer: new SseWriter(res, 200, {}) };
    this.#open.add(stream);
    res.on('close', () => {
      this.#open.delete(stream);
      stream.writer.end();
    });
  }

  close(): void {
    this.registry.off('changed', this.#onChanged);
    this.#unsubscribe();
    for (const stream of this.#open) stream.writer.end();
    this.#open.clear();
  }

  #broadcast(method: string): void {
    for (const stream of this.#open) stream.writer.send({ jsonrpc: '2.0', method });
  }
}
