import type { Caller, CallerAssertionSigner } from '@switchboard/caller-assertion';
import { SwitchboardError } from '@switchboard/errors';
import { Pool } from 'undici';
import { CircuitBreaker } from './circuit-breaker.ts';
import { createCredentials, type UpstreamCredentials } from './credentials/upstream-credentials.ts';
import { isObject, type JsonRpcRequest, type JsonRpcResponse, MODERN_PROTOCOL_VERSION } from './json-rpc.ts';
import { LegacyLink } from './legacy-link.ts';
import { ModernHttpLink, SERVICE_CALLER } from './modern-http-link.ts';
import { HttpSseChannel } from './transports/http-sse-channel.ts';
import { StdioChannel } from './transports/stdio-channel.ts';
import { StreamableHttpChannel } from './transports/streamable-http-channel.ts';
import type { ConfiguredUpstream, UpstreamConfig } from './upstream-config.ts';
import type { ExchangeOptions, UpstreamLink, UpstreamServerInfo } from './upstream-link.ts';

export type { ExchangeOptions } from './upstream-link.ts';
export type UpstreamState = 'connecting' | 'ready' | 'down' | 'misconfigured';

export type UpstreamLog = (level: 'info' | 'warn', message: string, details?: Record<string, unknown>) => void;

export interface UpstreamConnectionDeps {
  signer: CallerAssertionSigner;
  clientInfo: { name: string; version: string };
  /** Variables a stdio child gets besides its own `env` (PATH, HOME, …). */
  childEnv?: Record<string, string>;
  log?: UpstreamLog;
}

const DEFAULT_TIMEOUT_MS = 330_000;
let nextId = 1;

/**
 * The gateway's link to one upstream MCP server, whatever its transport and era. `connect` negotiates as a
 * good client would (2026-07-28 via `server/discover`, else the newest 2025 revision via `initialize`) and
 * remembers the outcome until the next reconnect; every call goes through the circuit breaker and the link
 * the negotiation chose. Callers of this class never see which transport or era is underneath.
 */
export class UpstreamConnection {
  readonly name: string;
  readonly config: UpstreamConfig;
  readonly breaker = new CircuitBreaker();
  /** Why this upstream cannot start (bad config, missing variable); empty when it can. */
  readonly problems: readonly string[];
  state: UpstreamState;
  lastError: string | undefined;
  readonly #upstream: ConfiguredUpstream;
  readonly #deps: UpstreamConnectionDeps;
  readonly #credentials: UpstreamCredentials;
  readonly #pool: Pool | undefined;
  #link: UpstreamLink | undefined;
  #stdio: StdioChannel | undefined;

  constructor(upstream: ConfiguredUpstream, deps: UpstreamConnectionDeps) {
    this.#upstream = upstream;
    this.config = upstream.config;
    this.name = upstream.config.name;
    this.#deps = deps;
    this.problems = [...upstream.problems, ...eraProblems(upstream.config)];
    this.state = this.problems.length > 0 ? 'misconfigured' : 'connecting';
    this.lastError = this.problems.length > 0 ? this.problems.join('; ') : undefined;
    this.#credentials = createCredentials(upstream, { signer: deps.signer });
    if (upstream.config.transport !== 'stdio') {
      this.#pool = new Pool(new URL(upstream.config.url).origin, {
        connections: 256,
        keepAliveTimeout: 30_000,
        // Long calls are bounded by our own timers (timeoutMs), not by undici's defaults of 300 s.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    }
  }

  /** The era and revision negotiated, and what the upstream said about itself; undefined until connected. */
  get server(): (UpstreamServerInfo & { era: 'modern' | 'legacy' }) | undefined {
    return this.#link === undefined ? undefined : { ...this.#link.server, era: this.#link.era };
  }

  /** The negotiated era alone: read on every relayed call, where `server` would copy the whole record. */
  get era(): 'modern' | 'legacy' | undefined {
    return this.#link?.era;
  }

  /** The stdio child's process id (its guard's), while it runs. */
  get pid(): number | undefined {
    return this.#stdio?.pid;
  }

  /**
   * (Re)negotiates with the upstream. The previous link is replaced only once a new one stands: a stateless
   * link keeps serving (and failing visibly, which feeds the breaker) while the upstream cannot be renegotiated.
   */
  async connect(): Promise<UpstreamServerInfo> {
    if (this.problems.length > 0) throw this.#notConfigured();
    const link = await this.#negotiate();
    const previous = this.#link;
    this.#link = link;
    if (previous !== undefined && previous !== link) await previous.close().catch(() => {});
    return link.server;
  }

  /**
   * Sends one JSON-RPC request and delivers the upstream's messages as they arrive; resolves with the
   * response. Failures to reach the upstream reject with a SwitchboardError naming the upstream.
   */
  async exchange(message: JsonRpcRequest, options: ExchangeOptions): Promise<JsonRpcResponse> {
    const link = this.#link;
    if (link === undefined) {
      if (this.problems.length > 0) throw this.#notConfigured();
      throw new SwitchboardError(
        'UPSTREAM_UNAVAILABLE',
        `The ${this.name} server is not connected yet${this.lastError === undefined ? '' : ` (${this.lastError})`}; retry in a moment.`,
        { retryAfterS: 2, context: { upstream: this.name } },
      );
    }
    if (!this.breaker.allow()) {
      throw new SwitchboardError(
        'UPSTREAM_UNAVAILABLE',
        `The ${this.name} server is unavailable (it failed repeatedly; the gateway is giving it a moment). Retry in ${this.breaker.retryAfterS()} s.`,
        { retryAfterS: this.breaker.retryAfterS(), context: { upstream: this.name } },
      );
    }
    try {
      const response = await link.exchange(message, options).catch((error: unknown) => {
        // A refused token (expired, rotated) may be refreshed: an OAuth client-credentials token is fetched
        // anew and the request, refused before it ran, is sent once more.
        if (isUnauthorized(error) && this.#credentials.invalidate()) return link.exchange(message, options);
        throw error;
      });
      this.breaker.success();
      this.state = 'ready';
      return response;
    } catch (error) {
      if (!options.signal?.aborted) {
        this.breaker.failure();
        if (error instanceof SwitchboardError && error.code === 'UPSTREAM_UNAVAILABLE') {
          this.state = 'down';
          this.lastError = error.message;
        }
      }
      throw error;
    }
  }

  /** A request the gateway originates (list refresh, a forwarded prompt or read), returning the result. */
  async request(method: string, params: Record<string, unknown> = {}, caller: Caller = SERVICE_CALLER) {
    const response = await this.exchange(
      { jsonrpc: '2.0', id: `gw-r${nextId++}`, method, params },
      { caller, timeoutMs: 15_000 },
    );
    if (response.error !== undefined) {
      throw new SwitchboardError('UPSTREAM_ERROR', response.error.message, {
        context: { upstream: this.name, jsonRpcCode: response.error.code, jsonRpcData: response.error.data },
      });
    }
    return response.result ?? {};
  }

  /** Pages through a list method (tools/list, prompts/list, …) and returns every item, untouched. */
  async listAll(method: string, key: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const result = await this.request(method, cursor === undefined ? {} : { cursor });
      const list = result[key];
      if (Array.isArray(list)) items.push(...list.filter(isObject));
      cursor = typeof result['nextCursor'] === 'string' ? result['nextCursor'] : undefined;
      if (cursor === undefined) break;
    }
    return items;
  }

  /** The upstream's unsolicited notifications until the link ends (then the caller reconnects). */
  async watch(onNotification: (method: string, params: unknown) => void, signal: AbortSignal): Promise<void> {
    if (this.#link === undefined) return;
    await this.#link.watch(onNotification, signal);
  }

  async close(): Promise<void> {
    const link = this.#link;
    this.#link = undefined;
    await link?.close().catch(() => {});
    await this.#stdio?.close();
    await this.#pool?.close().catch(() => this.#pool?.destroy());
  }

  async #negotiate(): Promise<UpstreamLink> {
    const { config } = this;
    const log = this.#deps.log ?? (() => {});
    const legacy = {
      name: this.name,
      clientInfo: this.#deps.clientInfo,
      defaultTimeoutMs: config.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    };
    const pinned = config.protocol === 'auto' ? undefined : config.protocol;
    if (config.transport === 'stdio') {
      this.#stdio = new StdioChannel({
        config,
        secret: this.#upstream.secret,
        baseEnv: this.#deps.childEnv ?? {},
        log: (level, message, details) => log(level, message, { upstream: this.name, ...details }),
      });
      return LegacyLink.connect({
        ...legacy,
        channel: this.#stdio,
        answersOnSend: false,
        ...(pinned === undefined ? {} : { protocolVersion: pinned }),
      });
    }
    const pool = this.#pool as Pool;
    const url = new URL(config.url);
    if (config.transport === 'sse') {
      const channel = new HttpSseChannel({ name: this.name, pool, url, credentials: this.#credentials });
      return LegacyLink.connect({
        ...legacy,
        channel,
        answersOnSend: false,
        ...(pinned === undefined ? {} : { protocolVersion: pinned }),
      });
    }
    const path = `${url.pathname}${url.search}`;
    if (pinned === undefined || pinned === MODERN_PROTOCOL_VERSION) {
      const modern = await ModernHttpLink.probe({
        name: this.name,
        pool,
        path,
        credentials: this.#credentials,
        clientInfo: this.#deps.clientInfo,
        defaultTimeoutMs: legacy.defaultTimeoutMs,
      });
      if (modern !== undefined) return modern;
      if (pinned !== undefined) {
        throw new SwitchboardError(
          'UPSTREAM_ERROR',
          `The ${this.name} server does not answer server/discover with ${MODERN_PROTOCOL_VERSION}, the revision its config pins.`,
          {
            context: { upstream: this.name },
          },
        );
      }
    }
    const channel = new StreamableHttpChannel({
      name: this.name,
      pool,
      path,
      credentials: this.#credentials,
      defaultTimeoutMs: legacy.defaultTimeoutMs,
    });
    return LegacyLink.connect({
      ...legacy,
      channel,
      answersOnSend: true,
      ...(pinned === undefined ? {} : { protocolVersion: pinned }),
    });
  }

  #notConfigured(): SwitchboardError {
    return new SwitchboardError(
      'NOT_CONFIGURED',
      `The ${this.name} upstream is not configured correctly: ${this.problems.join('; ')}.`,
      {
        context: { upstream: this.name },
      },
    );
  }
}

function isUnauthorized(error: unknown): boolean {
  return (
    error instanceof SwitchboardError && error.code === 'UPSTREAM_AUTH' && error.context?.['upstreamStatus'] === 401
  );
}

/** Revisions a transport cannot carry: 2026-07-28 is spoken over Streamable HTTP only, here. */
function eraProblems(config: UpstreamConfig): string[] {
  if (config.transport !== 'streamable-http' && config.protocol === MODERN_PROTOCOL_VERSION) {
    return [
      `protocol ${MODERN_PROTOCOL_VERSION} needs the streamable-http transport (${config.transport} carries the 2025 era only)`,
    ];
  }
  return [];
}
