import { SwitchboardError } from '@switchboard/errors';
import { isObject, type JsonRpcRequest, type JsonRpcResponse } from '../upstreams/json-rpc.ts';
import type { ClientRequestBridge } from './client-request-bridge.ts';

/** The one key of `inputRequests` a held call asks at a time (a 2025-era server asks one thing at a time). */
export const HELD_INPUT_KEY = 'upstream_request';
const STATE_PREFIX = 'sbh.';
const ANSWER_TIMEOUT_MS = 300_000;

interface HeldState {
  /** The held call (the bridge's session key). */
  h: string;
  /** Where the caller's answer goes. */
  a: string;
  /** Where the call's next event (its result, or its next question) goes. */
  n: string;
  /** The key the call belongs to: nobody else may answer it. */
  k: string;
}

/** What a retry gets: the call's result, or the next thing the upstream asks. */
export type HeldEvent =
  | { kind: 'final'; response: JsonRpcResponse }
  | { kind: 'input'; request: { method: string; params: Record<string, unknown> }; requestState: string };

/**
 * A 2026-07-28 caller of a 2025-era upstream. The upstream asks mid-call (sampling, elicitation); a stateless
 * caller can only be asked with an `input_required` result, and answers by calling again, perhaps on another
 * replica. So the upstream call stays open where it runs (held), the caller's answer travels to it, and the
 * call's next event travels back, both through the client-request bridge (Redis pub/sub between replicas).
 * The `requestState` names only random ids and the key; it is useless to anyone else.
 */
export class HeldCall {
  readonly #bridge: ClientRequestBridge;
  readonly #keyId: string;
  /** Named only when the upstream first asks: most held calls never ask, and need no id. */
  #id: string | undefined;
  /** Where the next event goes once a question has been handed to the caller. */
  #next: string | undefined;
  #first: ((event: HeldEvent) => void) | undefined;
  /** Resolves with the first question, if the upstream asks one before it answers. */
  readonly firstQuestion: Promise<HeldEvent>;

  constructor(bridge: ClientRequestBridge, keyId: string) {
    this.#bridge = bridge;
    this.#keyId = keyId;
    this.firstQuestion = new Promise((resolve) => (this.#first = resolve));
  }

  /** The upstream asks: hand the question to the caller, wait for the answer from whichever replica gets it. */
  async ask(request: JsonRpcRequest, signal: AbortSignal): Promise<JsonRpcResponse> {
    this.#id ??= this.#bridge.newId();
    const state: HeldState = { h: this.#id, a: this.#bridge.newId(), n: this.#bridge.newId(), k: this.#keyId };
    const answer = this.#bridge.wait(this.#id, state.a, signal, ANSWER_TIMEOUT_MS);
    const event: HeldEvent = {
      kind: 'input',
      request: { method: request.method, params: request.params ?? {} },
      requestState: encode(state),
    };
    const previous = this.#next;
    this.#next = state.n;
    if (previous === undefined) this.#first?.(event);
    else await this.#deliver(previous, event);
    const reply = await answer;
    return {
      jsonrpc: '2.0',
      id: request.id,
      ...(reply.error === undefined ? { result: reply.result ?? {} } : { error: reply.error }),
    };
  }

  /** The upstream answered the call: if a caller is waiting on a retry, it gets the result. */
  async finish(response: JsonRpcResponse): Promise<void> {
    if (this.#next !== undefined) await this.#deliver(this.#next, { kind: 'final', response });
  }

  /** Only called once a question was asked, so the call has its id. */
  #deliver(id: string, event: HeldEvent): Promise<void> {
    return this.#bridge.deliver(this.#id!, { jsonrpc: '2.0', id, result: event as unknown as Record<string, unknown> });
  }
}

/**
 * A retry of a held call (any replica): sends the caller's answer to the held call and waits for its next
 * event. Returns undefined when `params` does not resume a held call.
 */
export async function resumeHeldCall(
  bridge: ClientRequestBridge,
  keyId: string,
  params: Record<string, unknown>,
  signal: AbortSignal,
): Promise<HeldEvent | undefined> {
  const state = decode(params['requestState']);
  if (state === undefined) return undefined;
  if (state.k !== keyId) throw new SwitchboardError('INVALID_PARAMS', 'requestState belongs to another key.');
  const responses = isObject(params['inputResponses']) ? params['inputResponses'] : {};
  const answer = responses[HELD_INPUT_KEY];
  const next = bridge.wait(state.h, state.n, signal, ANSWER_TIMEOUT_MS);
  await bridge.deliver(
    state.h,
    isObject(answer)
      ? { jsonrpc: '2.0', id: state.a, result: answer }
      : { jsonrpc: '2.0', id: state.a, error: { code: -32602, message: 'The caller sent no answer to the request.' } },
  );
  const event = await next.catch((error: unknown) => {
    throw error instanceof SwitchboardError && error.code === 'UPSTREAM_TIMEOUT'
      ? new SwitchboardError('UPSTREAM_TIMEOUT', 'The held call did not continue in time; call the tool again.')
      : error;
  });
  return event.result as unknown as HeldEvent;
}

export function isHeldState(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(STATE_PREFIX);
}

function encode(state: HeldState): string {
  return STATE_PREFIX + Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decode(value: unknown): HeldState | undefined {
  if (!isHeldState(value)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from((value as string).slice(STATE_PREFIX.length), 'base64url').toString('utf8'));
    if (isObject(parsed) && ['h', 'a', 'n', 'k'].every((field) => typeof parsed[field] === 'string'))
      return parsed as unknown as HeldState;
  } catch {
    // Not ours after all: treated as absent.
  }
  return undefined;
}
