/** JSON-RPC 2.0 shapes as they travel between the gateway and its peers; values stay loose on purpose
 * (results are relayed, not re-validated, so unknown fields reach the client as the upstream sent them). */
export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isResponse(message: unknown): message is JsonRpcResponse {
  return isObject(message) && 'id' in message && ('result' in message || 'error' in message) && !('method' in message);
}

export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const LEGACY_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
} as const;

/** A parsed value as a JSON-RPC message, if it is one (upstreams' framing is not trusted). */
export function asMessage(value: unknown): JsonRpcMessage | undefined {
  return isObject(value) && value['jsonrpc'] === '2.0' ? (value as unknown as JsonRpcMessage) : undefined;
}
