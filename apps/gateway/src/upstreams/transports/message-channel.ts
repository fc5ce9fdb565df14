import type { Caller } from '@switchboard/caller-assertion';
import type { JsonRpcMessage } from '../json-rpc.ts';

export interface ChannelSendOptions {
  caller: Caller;
  signal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Messages the transport ties to this one (Streamable HTTP: those on the POST's own response stream).
   * Transports without such a tie (stdio, HTTP+SSE) deliver everything to `MessageChannel.onMessage`.
   */
  onMessage?: (message: JsonRpcMessage) => void;
}

/**
 * How JSON-RPC messages move between the gateway and one 2025-era upstream: one small module per transport
 * (Streamable HTTP, HTTP+SSE, stdio). A channel knows nothing of MCP beyond framing; the session on top
 * (legacy-session.ts) does the handshake, correlation and cancellation.
 */
export interface MessageChannel {
  /** Every message not delivered to a send's own `onMessage`. Set by the session before `open`. */
  onMessage: (message: JsonRpcMessage) => void;
  /** The channel's session ended (process exited, stream closed): pending requests will get no answer. */
  onClose: (reason: string) => void;
  /** Opens the channel: spawns the process, connects the stream. Called again to reopen after `onClose`. */
  open(): Promise<void>;
  /** Sends one message; for Streamable HTTP, resolves once the POST's response stream has been read. */
  send(message: JsonRpcMessage, options: ChannelSendOptions): Promise<void>;
  /** The upstream's session id, for transports that have one (Streamable HTTP). */
  readonly sessionId?: string | undefined;
  /** The revision `initialize` settled on (Streamable HTTP sends it on every later request). */
  negotiated?(protocolVersion: string): void;
  /**
   * Streamable HTTP's standalone GET stream for server-initiated messages (delivered to `onMessage`);
   * resolves when it ends, with 'unsupported' when the server offers none (405).
   */
  listen?(signal: AbortSignal): Promise<'ended' | 'unsupported'>;
  /** Ends the session (Streamable HTTP: DELETE; stdio: stop the process) and releases everything. */
  close(): Promise<void>;
}

/**
 * The upstream no longer knows our session (HTTP 404, or the 400 many servers answer for an unknown id):
 * the request was refused before it ran, so re-initializing and sending it again is safe, even a tools/call.
 */
export class SessionExpiredError extends Error {
  override readonly name = 'SessionExpiredError';

  /** The session the upstream no longer knows (so a session renewed meanwhile is not renewed twice). */
  constructor(
    message: string,
    readonly expired: string | undefined,
  ) {
    super(message);
  }
}
