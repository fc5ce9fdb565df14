import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import { defaultUpstreams, parseUpstreams, referencedVariables } from './upstream-config.ts';

describe('GATEWAY_UPSTREAMS', () => {
  it('defaults to the three built-in tool servers with caller assertions', () => {
    const list = parseUpstreams(undefined);
    assert.deepEqual(
      list.map((u) => [u.config.name, u.config.transport, u.config.transport !== 'stdio' && u.config.auth]),
      [
        ['blotato', 'streamable-http', 'caller-assertion'],
        ['gmail', 'streamable-http', 'caller-assertion'],
        ['drive', 'streamable-http', 'caller-assertion'],
      ],
    );
    assert.equal(defaultUpstreams.length, 3);
  });

  it('reads every transport and credential kind, and names the variables it needs', () => {
    const list = parseUpstreams(
      JSON.stringify([
        { name: 'hosted', url: 'https://mcp.example.com/mcp', auth: 'none', headers: { 'x-api-key': { env: 'A' } } },
        { name: 'old', transport: 'sse', url: 'http://127.0.0.1:1/sse', auth: { bearer: { env: 'B' } } },
        { name: 'local', transport: 'stdio', command: 'npx', args: ['-y', 'server'], env: { TOKEN: { env: 'C' } } },
        {
          name: 'cc',
          url: 'https://mcp.example.com/mcp',
          protocol: '2025-06-18',
          auth: {
            oauth_client_credentials: {
              token_url: 'https://auth.example.com/token',
              client_id: 'id',
              client_secret: { env: 'D' },
            },
          },
        },
      ]),
      { A: 'a', B: 'b', C: 'c', D: 'd' },
    );
    assert.deepEqual(
      list.map((u) => u.problems),
      [[], [], [], []],
    );
    assert.deepEqual(
      list.map((u) => referencedVariables(u.config)),
      [['A'], ['B'], ['C'], ['D']],
    );
    assert.equal(list[3]?.config.protocol, '2025-06-18');
    assert.equal(list[0]?.secret('A'), 'a');
  });

  it('reports each bad entry on its own and keeps the good ones', () => {
    const list = parseUpstreams(
      JSON.stringify([
        { name: 'good', url: 'http://127.0.0.1:1/mcp' },
        { name: 'typo', transport: 'websocket', url: 'ws://x' },
        { name: 'nokey', url: 'http://127.0.0.1:1/mcp', headers: { 'x-key': { env: 'MISSING' } } },
        { name: 'good', url: 'http://127.0.0.1:2/mcp' },
        { url: 'not a url' },
        { name: 'inline', url: 'http://127.0.0.1:1/mcp', auth: { bearer: 'sk-in-clear' } },
      ]),
      {},
    );
    assert.deepEqual(list[0]?.problems, []);
    assert.match(
      list[1]?.problems[0] ?? '',
      /transport must be one of streamable-http, sse, stdio \(got "websocket"\)/,
    );
    assert.deepEqual(list[2]?.problems, ['environment variable MISSING is not set']);
    assert.match(list[3]?.problems[0] ?? '', /duplicate upstream name "good"/);
    assert.equal(list[4]?.config.name, 'upstream-5');
    assert.match(list[4]?.problems[0] ?? '', /GATEWAY_UPSTREAMS\[4\] is invalid/);
    // A secret in clear is not accepted: credentials name variables.
    assert.match(list[5]?.problems[0] ?? '', /GATEWAY_UPSTREAMS\[5\] is invalid/);
  });

  it('refuses a value that is not a JSON array at all', () => {
    assert.throws(() => parseUpstreams('{"name":"x"}'), SwitchboardError);
    assert.throws(() => parseUpstreams('/no/such/file.json'), /neither a JSON array nor a readable JSON file/);
  });
});
