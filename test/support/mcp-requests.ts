/**
 * Test infrastructure: raw MCP requests, for flows that must see HTTP status and headers the SDK clients hide.
 */

/** The per-request envelope a 2026-07-28 client sends. */
export const MODERN_ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'switchboard-tests', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

export interface RawReply {
  status: number;
  headers: Headers;
  body: any;
}

/** One 2026-07-28 request (`tools/call` when `tool` is given), with the SEP-2243 headers a real client sends. */
export async function modernRequest(
  url: URL,
  token: string,
  method: string,
  options: {
    id?: string | number;
    tool?: string;
    arguments?: Record<string, unknown>;
    params?: Record<string, unknown>;
  } = {},
): Promise<RawReply> {
  const params =
    options.tool === undefined
      ? { ...options.params, _meta: MODERN_ENVELOPE }
      : { name: options.tool, arguments: options.arguments ?? {}, _meta: MODERN_ENVELOPE };
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(options.tool === undefined ? {} : { 'mcp-name': options.tool }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: options.id ?? 1, method, params }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}
