import { SwitchboardError, toJsonRpcError } from '@switchboard/errors';
import fp from 'fastify-plugin';

/**
 * DNS-rebinding protection: a browser page can point its own hostname at this server, but it cannot change
 * the Host and Origin headers its requests carry, so both must name a host this gateway is known by.
 * https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#security-warning
 */
export const dnsRebindingGuard = fp<{ allowedHosts: ReadonlySet<string> }>(
  async (app, { allowedHosts }) => {
    const refusal = JSON.stringify(
      toJsonRpcError(new SwitchboardError('FORBIDDEN', 'Host or Origin not allowed (DNS-rebinding protection).')),
    );
    // A callback hook: it never waits, so it need not cost a promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      const host = hostnameOf(request.headers.host);
      const origin = request.headers.origin;
      const originHost = origin === undefined ? undefined : hostnameOf(safeUrlHost(origin));
      if (
        (host !== undefined && !allowedHosts.has(host)) ||
        (origin !== undefined && (originHost === undefined || !allowedHosts.has(originHost)))
      ) {
        reply.code(403).type('application/json').send(refusal);
        return;
      }
      done();
    });
  },
  { name: 'dns-rebinding-guard' },
);

function hostnameOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.indexOf(':');
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}

function safeUrlHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
