import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Test-only helpers for the front door: a throw-away TLS certificate and an https server to serve documents. */

/** A certificate for `localhost` and 127.0.0.1, made with openssl for this test run only. */
export function selfSignedCertificate(): { key: string; cert: string; certPath: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-oauth-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  } catch (error) {
    throw new Error(`openssl is needed to make a test certificate (apt-get install -y openssl): ${String(error)}`);
  }
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    certPath: join(dir, 'cert.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface HttpsFixture {
  port: number;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** An https server on 127.0.0.1 (port 0 unless given) answering with `handler`. */
export async function startHttpsServer(
  tls: { key: string; cert: string },
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  port = 0,
): Promise<HttpsFixture> {
  const requests: string[] = [];
  const server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    requests.push(request.url ?? '');
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
