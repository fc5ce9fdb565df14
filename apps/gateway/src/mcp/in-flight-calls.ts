import type { EventHub } from '../events/event-hub.ts';

/**
 * Calls this replica is relaying, by legacy session and JSON-RPC id, so that a `notifications/cancelled`
 * can stop them. The cancellation may arrive at any replica: it is applied here if the call is here, and
 * published for the others otherwise.
 */
export class InFlightCalls {
  readonly #calls = new Map<string, AbortController>();
  readonly #hub: EventHub;

  constructor(hub: EventHub) {
    this.#hub = hub;
    hub.subscribe((message) => {
      if (message.type === 'cancel') this.#abortLocal(message.session, message.requestId, message.reason);
    });
  }

  get size(): number {
    return this.#calls.size;
  }

  /** Registers a call's controller until `done()`; a cancellation for it aborts the controller. */
  track(session: string, requestId: string | number, controller: AbortController): () => void {
    const id = keyOf(session, requestId);
    this.#calls.set(id, controller);
    return () => this.#calls.delete(id);
  }

  async cancel(session: string, requestId: string | number, reason?: string): Promise<void> {
    if (this.#abortLocal(session, requestId, reason)) return;
    await this.#hub.publish({ type: 'cancel', session, requestId, ...(reason === undefined ? {} : { reason }) });
  }

  #abortLocal(session: string, requestId: string | number, reason?: string): boolean {
    const controller = this.#calls.get(keyOf(session, requestId));
    if (controller === undefined) return false;
    controller.abort(reason ?? 'cancelled by the client');
    return true;
  }
}

function keyOf(session: string, requestId: string | number): string {
  return `${session}\u0000${typeof requestId}:${requestId}`;
}
