import type { Caller } from '@switchboard/caller-assertion';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from './json-rpc.ts';

export interface ExchangeOptions {
  caller: Caller;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called once, when the answer starts: 'sse' means messages may precede the response. */
  onStart?: (kind: 'json' | 'sse') => void;
  /** Every message about this request before its response (progress, log messages). */
  onMessage?: (message: JsonRpcMessage) => void;
  /**
   * A request the upstream sends the caller while this request runs (2025 era: sampling, elicitation,
   * roots). Resolves with the answer that goes back upstream. Without it the upstream is told no one can answer.
   */
  onRequest?: (request: JsonRpcRequest, signal: AbortSignal) => Promise<JsonRpcResponse>;
}

/** What the upstream said about itself when the link was made (`server/discover` or `initialize`). */
export interface UpstreamServerInfo {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo?: unknown;
  instructions?: unknown;
}

/**
 * One protocol era's way of talking to an upstream: 2026-07-28 (stateless, every request stands alone) or
 * the 2025 era (a session per replica, made with `initialize`). The relay and the catalog use only this, so
 * they never know which era or transport is underneath.
 */
export interface UpstreamLink {
  readonly era: 'modern' | 'legacy';
  readonly server: UpstreamServerInfo;
  /** Sends one request and resolves with its response, delivering what comes before it through `options`. */
  exchange(message: JsonRpcRequest, options: ExchangeOptions): Promise<JsonRpcResponse>;
  /**
   * Delivers the upstream's unsolicited notifications (list changes, resource updates) until the link ends or
   * `signal` aborts; then resolves, and the owner reconnects.
   */
  watch(onNotification: (method: string, params: unknown) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
