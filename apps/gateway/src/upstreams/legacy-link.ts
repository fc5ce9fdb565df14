import type { Caller } from '@switchboard/caller-assertion';
import { SwitchboardError } from '@switchboard/errors';
import { cancelled, upstreamTransportError } from './http-errors.ts';
import {
  isObject,
  isResponse,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
  LEGACY_PROTOCOL_VERSIONS,
} from './json-rpc.ts';
import { SERVICE_CALLER } from './modern-http-link.ts';
import { ReconnectBackoff } from './reconnect-backoff.ts';
import { type MessageChannel, SessionExpiredError } from './transports/message-channel.ts';
import type { ExchangeOptions, UpstreamLink, UpstreamServerInfo } from './upstream-link.ts';

export interface LegacyLinkDeps {
  name: string;
  channel: MessageChannel;
  clientInfo: { name: string; version: string };
  /** A pinned revision, or undefined for the newest one the upstream accepts. */
  protocolVersion?: string;
  defaultTimeoutMs: number;
  /** True when the transport answers a request on the request's own exchange (Streamable HTTP). */
  answersOnSend: boolean;
}

/** What the gateway can do for an upstream on its callers' behalf: their answers are relayed to it. */
const CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} };

interface Pending {
  originalId: JsonRpcId;
  /** The caller's progress token, restored on the way back (upstream sees our request id instead). */
  progressToken: unknown;
  caller: Caller;
  isToolCall: boolean;
  options: ExchangeOptions;
  timer: NodeJS.Timeout;
  /**
   * Aborts the caller's answers to server requests when the call ends. Made only when the upstream asks:
   * an abort builds a DOMException with a stack, a measurable share of every call if done for all.
   */
  inputs: AbortController | undefined;
  resolve: (response: JsonRpcResponse) => void;
  reject: (error: unknown) => void;
}

let nextId = 1;
/** The reason a settled call's pending questions are dropped with (one shared value: no stack per call). */
const SETTLED = new Error('the call ended');

/**
 * The 2025 era (2024-11-05 … 2025-11-25) over any message channel: one session per upstream per replica,
 * made with `initialize` and shared by every call. The gateway's request ids and progress tokens are its
 * own on this session (callers' ids may collide), mapped back on the way out; cancellation is
 * `notifications/cancelled`; the upstream's requests to the client (sampling, elicitation, roots) go to the
 * call they belong to, and their answers come back on the session.
 */
export class LegacyLink implements UpstreamLink {
  readonly era = 'legacy';
  server: UpstreamServerInfo = { protocolVersion: '', capabilities: {} };
  readonly #deps: LegacyLinkDeps;
  readonly #pending = new Map<string, Pending>();
  readonly #watchers = new Set<(method: string, params: unknown) => void>();
  #reinitializing: Promise<void> | undefined;
  #ended: string | undefined;
  readonly #endedSignal = new AbortController();

  private constructor(deps: LegacyLinkDeps) {
    this.#deps = deps;
    deps.channel.onMessage = (message) => this.#dispatch(message, undefined);
    deps.channel.onClose = (reason) => this.#end(reason);
  }

  static async connect(deps: LegacyLinkDeps): Promise<LegacyLink> {
    const link = new LegacyLink(deps);
    try {
      await link.#initialize();
    } catch (error) {
      await deps.channel.close().catch(() => {});
      throw error;
    }
    return link;
  }

  async exchange(message: JsonRpcRequest, options: ExchangeOptions): Promise<JsonRpcResponse> {
    if (this.#reinitializing !== undefined) await this.#reinitializing;
    try {
      return await this.#roundTrip(message, options);
    } catch (error) {
      if (!(error instanceof SessionExpiredError)) throw error;
      // The upstream refused the request before running it (its sessions vanished with a restart): one new
      // session, one retry. Safe for every method, tools/call included, because nothing ran.
      await this.#reinitialize(error.expired);
      return this.#roundTrip(message, options);
    }
  }

  async watch(onNotification: (method: string, params: unknown) => void, signal: AbortSignal): Promise<void> {
    if (this.#ended !== undefined) return;
    this.#watchers.add(onNotification);
    const stop = AbortSignal.any([signal, this.#endedSignal.signal]);
    try {
      const listen = this.#deps.channel.listen?.bind(this.#deps.channel);
      const backoff = new ReconnectBackoff({ minMs: 500 });
      while (listen !== undefined && !stop.aborted) {
        backoff.opened();
        try {
          if ((await listen(stop)) === 'unsupported') break;
          // A GET stream the server closes at once is retried with backoff, not in a loop.
          await backoff.ended(stop);
        } catch (error) {
          if (stop.aborted) break;
          if (error instanceof SessionExpiredError)
            await this.#reinitialize(error.expired).catch((e) => this.#end(String(e)));
          else await backoff.failed(stop);
        }
      }
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    } finally {
      this.#watchers.delete(onNotification);
    }
  }

  async close(): Promise<void> {
    this.#end('the gateway is closing the session');
    await this.#deps.channel.close();
  }

  async #initialize(): Promise<void> {
    const { channel, clientInfo } = this.#deps;
    await channel.open();
    const requested = this.#deps.protocolVersion ?? LEGACY_PROTOCOL_VERSIONS[0];
    const response = await this.#roundTrip(
      {
        jsonrpc: '2.0',
        id: 'initialize',
        method: 'initialize',
        params: { protocolVersion: requested, capabilities: CLIENT_CAPABILITIES, clientInfo },
      },
      { caller: SERVICE_CALLER, timeoutMs: 15_000 },
    );
    const result = response.result;
    if (response.error !== undefined || result === undefined) {
      throw new SwitchboardError(
        'UPSTREAM_ERROR',
        `The ${this.#deps.name} server refused initialize: ${response.error?.message ?? 'no result'}`,
        { context: { upstream: this.#deps.name } },
      );
    }
    const version = String(result['protocolVersion'] ?? '');
    if (!(LEGACY_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
      throw new SwitchboardError(
        'UPSTREAM_ERROR',
        `The ${this.#deps.name} server answered initialize with protocol revision "${version}", which the gateway does not speak (${LEGACY_PROTOCOL_VERSIONS.join(', ')}).`,
        { context: { upstream: this.#deps.name } },
      );
    }
    channel.negotiated?.(version);
    this.server = {
      protocolVersion: version,
      capabilities: isObject(result['capabilities']) ? result['capabilities'] : {},
      serverInfo: result['serverInfo'],
      instructions: result['instructions'],
    };
    await channel.send({ jsonrpc: '2.0', method: 'notifications/initialized' }, { caller: SERVICE_CALLER });
  }

  /** One new session for everyone who saw `expired` vanish; nothing when it was renewed meanwhile. */
  #reinitialize(expired: string | undefined): Promise<void> {
    if (this.#reinitializing === undefined && expired !== undefined && this.#deps.channel.sessionId !== expired) {
      return Promise.resolve();
    }
    this.#reinitializing ??= this.#initialize()
      .then(() => {
        // A new session may be a new server: have the catalog read its lists again.
        for (const kind of ['tools', 'prompts', 'resources'])
          this.#notifyWatchers(`notifications/${kind}/list_changed`, {});
      })
      .finally(() => {
        this.#reinitializing = undefined;
      });
    return this.#reinitializing;
  }

  #roundTrip(message: JsonRpcRequest, options: ExchangeOptions): Promise<JsonRpcResponse> {
    if (this.#ended !== undefined) {
      return Promise.reject(
        new SwitchboardError(
          'UPSTREAM_UNAVAILABLE',
          `The ${this.#deps.name} server's session ended (${this.#ended}); retry in a moment.`,
          {
            retryAfterS: 1,
            context: { upstream: this.#deps.name },
          },
        ),
      );
    }
    const { channel, name } = this.#deps;
    const id = `gw-${nextId++}`;
    const params = message.params === undefined ? undefined : { ...message.params };
    const meta = isObject(params?.['_meta']) ? { ...params['_meta'] } : undefined;
    let progressToken: unknown;
    if (meta !== undefined && params !== undefined) {
      // The modern envelope belongs to the caller's hop; a 2025-era server neither needs nor expects it.
      for (const key of Object.keys(meta)) if (key.startsWith('io.modelcontextprotocol/')) delete meta[key];
      if (meta['progressToken'] !== undefined) {
        progressToken = meta['progressToken'];
        meta['progressToken'] = id;
      }
      if (Object.keys(meta).length === 0) delete params['_meta'];
      else params['_meta'] = meta;
    }
    const timeoutMs = options.timeoutMs ?? this.#deps.defaultTimeoutMs;
    return new Promise<JsonRpcResponse>((resolve, reject) => {
      const pending: Pending = {
        originalId: message.id,
        progressToken,
        caller: options.caller,
        isToolCall: message.method === 'tools/call',
        options,
        inputs: undefined,
        // The longest silence, as on the modern path: progress restarts it.
        timer: setTimeout(() => {
          settle();
          this.#cancel(id, 'timed out', options.caller);
          reject(
            new SwitchboardError('UPSTREAM_TIMEOUT', `The ${name} server did not answer in time.`, {
              retryAfterS: 5,
              context: { upstream: name },
            }),
          );
        }, timeoutMs),
        resolve: (response) => {
          settle();
          resolve({ ...response, id: message.id });
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const onAbort = () => {
        settle();
        this.#cancel(id, String(options.signal?.reason ?? 'cancelled by the client'), options.caller);
        reject(cancelled(name));
      };
      const settle = () => {
        clearTimeout(pending.timer);
        pending.inputs?.abort(SETTLED);
        options.signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, pending);
      const sent = channel.send(
        { jsonrpc: '2.0', id, method: message.method, ...(params === undefined ? {} : { params }) },
        {
          caller: options.caller,
          timeoutMs,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          onMessage: (m) => this.#dispatch(m, pending),
        },
      );
      sent.then(
        () => {
          if (this.#deps.answersOnSend && this.#pending.get(id) === pending) {
            pending.reject(
              new SwitchboardError('UPSTREAM_ERROR', `The ${name} server answered without a JSON-RPC response.`, {
                context: { upstream: name },
              }),
            );
          }
        },
        (error) => {
          if (this.#pending.get(id) !== pending) return;
          if (error instanceof SessionExpiredError) pending.reject(error);
          else pending.reject(upstreamTransportError(name, error, 1));
        },
      );
      if (!this.#deps.answersOnSend) options.onStart?.('sse');
    });
  }

  #dispatch(message: JsonRpcMessage, context: Pending | undefined): void {
    if (isResponse(message)) {
      const pending = this.#pending.get(String(message.id));
      if (pending === undefined) return;
      pending.options.onStart?.('json');
      pending.resolve(message);
      return;
    }
    if (!isObject(message) || typeof message.method !== 'string') return;
    if ('id' in message && message.id !== undefined) {
      void this.#answer(message as JsonRpcRequest, context ?? this.#latestCall());
      return;
    }
    const params = isObject(message.params) ? message.params : {};
    if (message.method === 'notifications/progress') {
      const pending = this.#pending.get(String(params['progressToken']));
      if (pending === undefined || pending.progressToken === undefined) return;
      pending.timer.refresh();
      pending.options.onStart?.('sse');
      pending.options.onMessage?.({ ...message, params: { ...params, progressToken: pending.progressToken } });
      return;
    }
    if (message.method === 'notifications/message') {
      const target = context ?? this.#latestCall();
      target?.options.onStart?.('sse');
      target?.options.onMessage?.(message);
      return;
    }
    if (message.method === 'notifications/cancelled') return;
    this.#notifyWatchers(message.method, params);
  }

  /**
   * Answers a request the upstream sent: `ping` here, the rest by the caller whose call it belongs to. On a
   * transport that does not tie it to a call (stdio, HTTP+SSE), that is the most recent tool call in flight.
   */
  async #answer(request: JsonRpcRequest, target: Pending | undefined): Promise<void> {
    let response: JsonRpcResponse;
    if (request.method === 'ping') {
      response = { jsonrpc: '2.0', id: request.id, result: {} };
    } else if (target?.options.onRequest === undefined) {
      response = {
        jsonrpc: '2.0',
        id: request.id,
        error: { code: -32601, message: `No caller can answer ${request.method} through the gateway right now.` },
      };
    } else {
      target.options.onStart?.('sse');
      try {
        target.inputs ??= new AbortController();
        const answer = await target.options.onRequest(request, target.inputs.signal);
        response = { ...answer, jsonrpc: '2.0', id: request.id };
      } catch (error) {
        response = {
          jsonrpc: '2.0',
          id: request.id,
          error: { code: -32603, message: error instanceof Error ? error.message : String(error) },
        };
      }
    }
    await this.#deps.channel.send(response, { caller: target?.caller ?? SERVICE_CALLER }).catch(() => {});
  }

  #latestCall(): Pending | undefined {
    let latest: Pending | undefined;
    for (const pending of this.#pending.values()) if (pending.isToolCall) latest = pending;
    return latest;
  }

  #cancel(id: string, reason: string, caller: Caller): void {
    if (this.#ended !== undefined) return;
    void this.#deps.channel
      .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } }, { caller })
      .catch(() => {});
  }

  #notifyWatchers(method: string, params: unknown): void {
    for (const watcher of this.#watchers) watcher(method, params);
  }

  #end(reason: string): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#endedSignal.abort();
    const error = new SwitchboardError(
      'UPSTREAM_UNAVAILABLE',
      `The ${this.#deps.name} server's session ended (${reason}); retry in a moment.`,
      { retryAfterS: 1, context: { upstream: this.#deps.name } },
    );
    for (const pending of [...this.#pending.values()]) pending.reject(error);
  }
}
