import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchboardError } from '@switchboard/errors';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { legacyHandshake } from './legacy-handshake.ts';
import { buildProtocolServer } from './protocol-server.ts';

const server = { info: { name: 'switchboard', version: '9.9.9' }, instructions: 'Use the tools.' };
const client = { capabilities: { sampling: {} }, clientInfo: { name: 'claude-ai', version: '0.1.0', title: 'Claude' } };

describe('the 2025-era handshake the gateway answers itself', () => {
  it('agrees a revision it speaks, else offers its latest', () => {
    assert.equal(legacyHandshake({ protocolVersion: '2025-06-18', ...client }, server).protocolVersion, '2025-06-18');
    assert.equal(legacyHandshake({ protocolVersion: '2024-11-05', ...client }, server).protocolVersion, '2024-11-05');
    for (const asked of ['2026-07-28', '1999-01-01']) {
      const { protocolVersion, result } = legacyHandshake({ protocolVersion: asked, ...client }, server);
      assert.equal(protocolVersion, '2025-11-25');
      assert.equal(result['protocolVersion'], '2025-11-25');
    }
  });

  it('answers as the SDK server built for the other methods would', () => {
    const sdkServer = buildProtocolServer(
      { registry: {} as UpstreamRegistry, info: server.info, instructions: server.instructions },
      { id: 'k', name: 'k', scopes: ['*'] } as never,
    );
    const { result } = legacyHandshake({ protocolVersion: '2025-11-25', ...client }, server);
    assert.deepEqual(result, {
      protocolVersion: '2025-11-25',
      capabilities: sdkServer.getCapabilities(),
      serverInfo: server.info,
      instructions: server.instructions,
    });
    const silent = legacyHandshake({ protocolVersion: '2025-11-25', ...client }, { ...server, instructions: '' });
    assert.equal('instructions' in silent.result, false);
  });

  it('keeps what the session must remember: the client and what it can do', () => {
    const handshake = legacyHandshake({ protocolVersion: '2025-11-25', ...client }, server);
    assert.deepEqual(handshake.clientCapabilities, { sampling: {} });
    assert.deepEqual(handshake.clientInfo, { name: 'claude-ai', version: '0.1.0' });
  });

  it('refuses a malformed handshake as invalid params, naming the field', () => {
    for (const [params, field] of [
      [undefined, 'params'],
      [{ capabilities: {}, clientInfo: { name: 'c', version: '1' } }, 'protocolVersion'],
      [{ protocolVersion: '2025-11-25', capabilities: [], clientInfo: { name: 'c', version: '1' } }, 'capabilities'],
      [{ protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c' } }, 'clientInfo.version'],
    ] as const) {
      assert.throws(
        () => legacyHandshake(params as Record<string, unknown> | undefined, server),
        (error: unknown) =>
          error instanceof SwitchboardError && error.code === 'INVALID_PARAMS' && error.message.includes(`${field}:`),
        field,
      );
    }
  });
});
