/**
 * TEST INFRASTRUCTURE. Calls a tool server the way the gateway does: the official MCP client (v2) over
 * HTTP, one connection per team key, each with a caller assertion signed for that key.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';

export interface McpCaller {
  call(keyId: string, tool: string, args?: Record<string, unknown>): Promise<any>;
  client(keyId: string): Promise<Client>;
  close(): Promise<void>;
}

export function mcpCaller(options: { url: string; audience: string; secret: string }): McpCaller {
  const signer = new CallerAssertionSigner({ secrets: [options.secret] });
  const clients = new Map<string, Client>();
  const client = async (keyId: string) => {
    let existing = clients.get(keyId);
    if (existing === undefined) {
      existing = new Client(
        { name: `${options.audience}-test`, version: '1' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const token = await signer.sign({ keyId, scopes: ['*'] }, options.audience);
      await existing.connect(
        new StreamableHTTPClientTransport(new URL('/mcp', options.url), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      clients.set(keyId, existing);
    }
    return existing;
  };
  return {
    client,
    async call(keyId, tool, args = {}) {
      return (await client(keyId)).callTool({ name: tool, arguments: args });
    },
    async close() {
      for (const c of clients.values()) await c.close();
      clients.clear();
    },
  };
}
