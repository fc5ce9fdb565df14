import { InMemoryServerEventBus, type ServerEvent, type ServerEventBus } from '@modelcontextprotocol/server';
import type { EventHub } from '../events/event-hub.ts';
import type { CatalogKind, UpstreamRegistry } from '../upstreams/upstream-registry.ts';

const EVENT_OF: Record<CatalogKind, ServerEvent> = {
  tools: { kind: 'tools_list_changed' },
  prompts: { kind: 'prompts_list_changed' },
  resources: { kind: 'resources_list_changed' },
};

/**
 * Feeds the SDK's `subscriptions/listen` streams (modern clients) on this replica. Upstream list changes
 * are seen by every replica's own registry, so they are delivered locally only (publishing them would
 * deliver N copies); changes the gateway itself causes (a key's scopes) arrive through the event hub.
 */
export class SdkEventBus implements ServerEventBus {
  readonly #local = new InMemoryServerEventBus();
  readonly #unsubscribe: () => void;
  readonly #onChanged = (kind: CatalogKind) => this.#local.publish(EVENT_OF[kind]);
  readonly #onResourceUpdated = (uri: string) => this.#local.publish({ kind: 'resource_updated', uri });

  constructor(
    private readonly registry: UpstreamRegistry,
    hub: EventHub,
  ) {
    registry.on('changed', this.#onChanged);
    registry.on('resource-updated', this.#onResourceUpdated);
    this.#unsubscribe = hub.subscribe((message) => {
      if (message.type === 'tools-changed') this.#local.publish(EVENT_OF.tools);
    });
  }

  publish(event: ServerEvent): void {
    this.#local.publish(event);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.#local.subscribe(listener);
  }

  close(): void {
    this.registry.off('changed', this.#onChanged);
    this.registry.off('resource-updated', this.#onResourceUpdated);
    this.#unsubscribe();
  }
}
