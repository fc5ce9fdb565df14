import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import { asSwitchboardError, errorCatalogue } from '@switchboard/errors';
import { isObject } from '../upstreams/json-rpc.ts';
import type { UpstreamConnection } from '../upstreams/upstream-connection.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';
import { type CallerKey, scopeGrants } from './caller-key.ts';

/** What the gateway offers callers of either era. */
export const GATEWAY_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  completions: {},
  logging: {},
};

export interface ProtocolServerDeps {
  registry: UpstreamRegistry;
  info: { name: string; version: string };
  instructions: string;
}

/**
 * The gateway's own MCP server for everything except the tools/call hot path and the 2025-era `initialize`
 * (legacy-handshake.ts, which answers with the same capabilities): negotiation (`server/discover`,
 * `subscriptions/listen` come from the SDK), the aggregated lists filtered by the key's
 * scopes, and the per-item methods (prompts/get, resources/read, completion) routed to their owner.
 * Built per request by the SDK's handler, so it holds no state of its own.
 */
export function buildProtocolServer(deps: ProtocolServerDeps, key: CallerKey): Server {
  const { registry } = deps;
  const server = new Server(deps.info, {
    capabilities: GATEWAY_CAPABILITIES,
    instructions: deps.instructions,
  });
  const caller = { keyId: key.id, scopes: key.scopes, owner: key.owner };
  const forward = async (upstream: UpstreamConnection, method: string, params: Record<string, unknown>) => {
    try {
      return wire(await upstream.request(method, params, caller));
    } catch (error) {
      // The upstream's own JSON-RPC error passes through as it was; failing to reach it is ours to describe.
      const failure = asSwitchboardError(error);
      const upstreamCode = failure.context?.['jsonRpcCode'];
      if (typeof upstreamCode === 'number')
        throw new ProtocolError(upstreamCode, failure.message, failure.context?.['jsonRpcData']);
      throw new ProtocolError(errorCatalogue[failure.code].jsonRpc, failure.message, {
        code: failure.code,
        upstream: upstream.name,
      });
    }
  };
  const notFound = (message: string, data?: Record<string, unknown>) =>
    new ProtocolError(ProtocolErrorCode.InvalidParams, message, data);

  server.setRequestHandler('tools/list', async () => ({
    tools: [...registry.tools.values()]
      .filter((entry) => scopeGrants(key.scopes, entry.definition['name'] as string))
      .map((entry) => wire(entry.definition)),
  }));

  server.setRequestHandler('prompts/list', async () => ({
    prompts: [...registry.prompts.values()]
      .filter((entry) => scopeGrants(key.scopes, entry.definition['name'] as string))
      .map((entry) => wire(entry.definition)),
  }));

  server.setRequestHandler('prompts/get', async (request) => {
    const entry = registry.prompts.get(request.params.name);
    if (entry === undefined || !scopeGrants(key.scopes, request.params.name)) {
      throw notFound(`Unknown prompt: ${request.params.name}`);
    }
    return forward(entry.upstream, 'prompts/get', { ...stripMeta(request.params), name: entry.original });
  });

  server.setRequestHandler('resources/list', async () => ({
    resources: registry.resources
      .filter((r) => scopeGrants(key.scopes, r.upstream.name + '_'))
      .map((r) => wire(r.definition)),
  }));

  server.setRequestHandler('resources/templates/list', async () => ({
    resourceTemplates: registry.templates
      .filter((t) => scopeGrants(key.scopes, t.upstream.name + '_'))
      .map((t) => wire(t.definition)),
  }));

  server.setRequestHandler('resources/read', async (request) => {
    const owner = registry.resourceOwner(request.params.uri);
    if (owner === undefined || !scopeGrants(key.scopes, owner.name + '_')) {
      throw notFound(`Resource not found: ${request.params.uri}`, { uri: request.params.uri });
    }
    return forward(owner, 'resources/read', stripMeta(request.params));
  });

  // A 2025-era upstream that offers subscriptions is subscribed on the gateway's session (shared by every
  // caller, so an unsubscribe is not forwarded: another caller may still want the updates); its updates reach
  // callers on their GET or listen streams. 2026-07-28 upstreams have no resources/subscribe.
  server.setRequestHandler('resources/subscribe', async (request) => {
    const owner = registry.resourceOwner(request.params.uri);
    const subscribable =
      owner?.server?.era === 'legacy' && isObject(owner.server.capabilities['resources'])
        ? owner.server.capabilities['resources']['subscribe'] === true
        : false;
    if (owner !== undefined && subscribable && scopeGrants(key.scopes, `${owner.name}_`)) {
      await forward(owner, 'resources/subscribe', stripMeta(request.params));
    }
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async () => ({}));
  server.setRequestHandler('logging/setLevel', async () => ({}));

  server.setRequestHandler('completion/complete', async (request) => {
    const ref = request.params.ref;
    if (ref.type === 'ref/prompt') {
      const entry = registry.prompts.get(ref.name);
      if (entry === undefined) return { completion: { values: [] } };
      return forward(entry.upstream, 'completion/complete', {
        ...stripMeta(request.params),
        ref: { ...ref, name: entry.original },
      });
    }
    const owner = isObject(ref) && typeof ref['uri'] === 'string' ? registry.resourceOwner(ref['uri']) : undefined;
    if (owner === undefined) return { completion: { values: [] } };
    return forward(owner, 'completion/complete', stripMeta(request.params));
  });

  return server;
}

/**
 * Upstream items and results are relayed as the upstream wrote them (pass-through fidelity: unknown fields
 * survive); the SDK's result types describe the same wire shapes, so this is the one audited cast.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above.
function wire(value: unknown): any {
  return value;
}

/** The client's envelope belongs to its hop; the gateway adds its own when it forwards. */
function stripMeta(params: Record<string, unknown>): Record<string, unknown> {
  const { _meta: _dropped, ...rest } = params;
  return rest;
}
