import { randomBytes } from 'node:crypto';
import { SwitchboardError } from '@switchboard/errors';
import type { EventHub } from '../events/event-hub.ts';
import { isObject, type JsonRpcResponse } from '../upstreams/json-rpc.ts';

/**
 * Server → client requests for 2025-era clients. A 2026-07-28 upstream asks for input (elicitation,
 * sampling, roots) by returning `input_required`; a 2025-era client only understands requests sent to it
 * on the call's stream, and answers them with a separate POST — which may reach any replica. The bridge
 * waits for those answers: an answer arriving here resolves at once, one arriving elsewhere is forwarded
 * through the event hub.
 */
export class ClientRequestBridge {
  readonly #pending = new Map<string, { session: string; resolve: (r: JsonRpcResponse) => void }>();
  readonly #hub: EventHub;

  constructor(hub: EventHub) {
    this.#hub = hub;
    hub.subscribe((message) => {
      if (message.type === 'client-response' && isObject(message.message))
        this.#resolve(message.bridge, message.message as unknown as JsonRpcResponse);
    });
  }

  newId(): string {
    return `sb-${randomBytes(9).toString('base64url')}`;
  }

  /** Waits for the client's answer to request `id` sent on a stream of `session`. */
  wait(session: string, id: string, signal: AbortSignal, timeoutMs: number): Promise<JsonRpcResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new SwitchboardError(
            'UPSTREAM_TIMEOUT',
            `The client did not answer the server's request within ${Math.round(timeoutMs / 1000)} s.`,
          ),
        );
      }, timeoutMs);
      const onAbort = () => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new SwitchboardError('INTERNAL', 'cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        session,
        resolve: (response) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          this.#pending.delete(id);
          resolve(response);
        },
      });
    });
  }

  /** A JSON-RPC response POSTed by a client of `session`. */
  async deliver(session: string, response: JsonRpcResponse): Promise<void> {
    const id = String(response.id);
    const local = this.#pending.get(id);
    if (local !== undefined) {
      if (local.session === session) local.resolve(response);
      return;
    }
    if (id.startsWith('sb-'))
      await this.#hub.publish({ type: 'client-response', bridge: `${session}\u0000${id}`, message: response });
  }

  #resolve(bridge: string, response: JsonRpcResponse): void {
    const [session, id] = bridge.split('\u0000');
    const local = id === undefined ? undefined : this.#pending.get(id);
    if (local !== undefined && local.session === session) local.resolve(response);
  }
}
