import { SwitchboardError } from '@switchboard/errors';
import { z } from 'zod';
import { LEGACY_PROTOCOL_VERSIONS } from '../upstreams/json-rpc.ts';
import { GATEWAY_CAPABILITIES } from './protocol-server.ts';

const initializeParams = z.object({
  protocolVersion: z.string(),
  capabilities: z.record(z.string(), z.unknown()),
  clientInfo: z.looseObject({ name: z.string(), version: z.string() }),
});

export interface Handshake {
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string };
  result: Record<string, unknown>;
}

/**
 * The 2025-era `initialize`, answered by the gateway itself: the answer is the same constant the SDK's
 * server would give (its capabilities, identity and instructions, the requested revision when it is one we
 * speak, else the latest), and the session it opens lives in the sealed id, so nothing else is needed. Built
 * through the SDK, every handshake made a server, a transport and web streams that outlived young-generation
 * GC: ≈ 13 KiB of old-generation garbage per session, most of the RSS a burst of 1,000 sessions added.
 */
export function legacyHandshake(
  params: Record<string, unknown> | undefined,
  server: { info: { name: string; version: string }; instructions: string },
): Handshake {
  const parsed = initializeParams.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SwitchboardError(
      'INVALID_PARAMS',
      `initialize needs params.protocolVersion (a string), params.capabilities (an object) and params.clientInfo ({ name, version }); ${issue?.path.join('.') || 'params'}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  const { protocolVersion: requested, capabilities, clientInfo } = parsed.data;
  const protocolVersion = LEGACY_PROTOCOL_VERSIONS.find((v) => v === requested) ?? LEGACY_PROTOCOL_VERSIONS[0];
  return {
    protocolVersion,
    clientCapabilities: capabilities,
    clientInfo: { name: clientInfo.name, version: clientInfo.version },
    result: {
      protocolVersion,
      capabilities: GATEWAY_CAPABILITIES,
      serverInfo: server.info,
      ...(server.instructions === '' ? {} : { instructions: server.instructions }),
    },
  };
}
