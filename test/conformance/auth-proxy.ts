/**
 * TEST INFRASTRUCTURE — a loopback reverse proxy that adds `Authorization: Bearer <token>` to every request.
 *
 * The conformance CLI cannot send an API key, and the gateway requires one on `/mcp`. Everything else passes
 * through untouched so the gateway sees what the conformance client sent: method, path, every end-to-end header
 * (Host and Origin included — `dns-rebinding-protection` depends on them) and both bodies as streams, so SSE
 * responses arrive event by event and a client that hangs up closes the upstream request too.
 */
import { Agent, createServer, type IncomingMessage, request } from 'node:http';

export interface AuthProxyOptions {
  /** Where to forward, e.g. `http://127.0.0.1:8080`; request paths are kept as sent. */
  target: string;
  /** The bearer token to add (replaces any Authorization the client sent). */
  token: string;
  port?: number;
  host?: string;
}

export interface AuthProxy {
  /** The proxy's origin, `http://localhost:<port>` (the conformance client needs a localhost URL). */
  origin: string;
  port: number;
  close(): Promise<void>;
}

// Hop-by-hop headers belong to one connection, not to the message (RFC 9110 §7.6.1); Node re-frames the bodies.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `rawHeaders` keeps duplicates and the client's spelling; drop hop-by-hop ones and any `skip`. */
function endToEndHeaders(rawHeaders: string[], skip?: string): string[] {
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === skip) continue;
    kept.push(name, rawHeaders[i + 1]!);
  }
  return kept;
}

export async function startAuthProxy(options: AuthProxyOptions): Promise<AuthProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });

  const server = createServer((req, res) => {
    const upstream = request({
      agent,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: [...endToEndHeaders(req.rawHeaders, 'authorization'), 'Authorization', `Bearer ${options.token}`],
    });
    upstream.on('response', (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.rawHeaders));
      // SSE: send the headers now, not with the first event.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'auth proxy: upstream unreachable', detail: error.message }));
    });
    // A client that goes away mid-stream must close the upstream stream as well (the 2026-07-28 cancel signal).
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  // Long SSE streams must not be cut by the proxy's own timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 5_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://localhost:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
