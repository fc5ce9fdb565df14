import { createHash, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../admin/admin-auth.ts';
import { problemResponses } from '../admin/admin-schemas.ts';
import type { Clock } from '../clock.ts';
import type { Actor, KeyService } from '../keys/index.ts';
import { isPublicAddress } from './address-policy.ts';
import { CLAUDE_REDIRECT_URIS } from './client-routes.ts';
import type { OAuthClients } from './oauth-clients.ts';
import type { OAuthEndpoints } from './oauth-endpoints.ts';

export type StepStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DiagnosticStep {
  id: string;
  title: string;
  status: StepStatus;
  /** What was seen and, when it is not a pass, what to do about it. */
  message: string;
}

export interface DiagnosticsReport {
  connector_url: string;
  /** No step failed (warnings allowed). */
  ok: boolean;
  steps: DiagnosticStep[];
}

export interface ConnectorDiagnosticsDeps {
  endpoints: OAuthEndpoints;
  keys: KeyService;
  clients: OAuthClients;
  clock: Clock;
  /** Per HTTP request; default 10 s. */
  timeoutMs?: number | undefined;
}

class StepFailure extends Error {}

interface Fetched {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Replays, against the configured public URL, what Claude does when a team adds the connector: the 401
 * challenge, both discovery documents, dynamic registration, the authorization request and consent (with a
 * temporary API key, revoked at the end), the token exchange, `tools/list` with the token, and finally that
 * the revoked key's token is refused. Each step says what it saw and what to change when it is wrong.
 */
export async function runConnectorDiagnostics(
  deps: ConnectorDiagnosticsDeps,
  actor: Actor,
): Promise<DiagnosticsReport> {
  const { endpoints } = deps;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const steps: DiagnosticStep[] = [];
  let blocked = false;
  const step = async (id: string, title: string, run: () => Promise<string | { warn: string }>) => {
    if (blocked) {
      steps.push({ id, title, status: 'skip', message: 'Skipped: an earlier step failed.' });
      return;
    }
    try {
      const outcome = await run();
      steps.push(
        typeof outcome === 'string'
          ? { id, title, status: 'pass', message: outcome }
          : { id, title, status: 'warn', message: outcome.warn },
      );
    } catch (error) {
      blocked = true;
      const message = error instanceof StepFailure ? error.message : `Unexpected failure: ${describe(error)}.`;
      steps.push({ id, title, status: 'fail', message });
    }
  };
  // Every body is read to the end, so no connection is left busy (the gateway may be calling itself).
  const http = async (url: string, init: RequestInit = {}): Promise<Fetched> => {
    try {
      const response = await fetch(url, { redirect: 'manual', ...init, signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, headers: response.headers, body: await response.text() };
    } catch (error) {
      throw new StepFailure(
        `The gateway could not reach ${url} (${describe(error)}). Check that GATEWAY_PUBLIC_URL is the address clients use and that DNS, the load balancer and TLS in front of the gateway forward it here.`,
      );
    }
  };

  await step('public-url', 'Public URL is https on port 443 and publicly resolvable', () => checkPublicUrl(endpoints));

  let resourceMetadataUrl = endpoints.resourceMetadata;
  await step('challenge', 'Unauthenticated /mcp answers 401 with a discovery challenge', async () => {
    const response = await http(endpoints.resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() }),
    });
    const header = response.headers.get('www-authenticate') ?? '';
    if (response.status !== 401) {
      throw new StepFailure(
        `POST ${endpoints.resource} without a token answered ${response.status}, not 401. Claude starts OAuth only on a 401.`,
      );
    }
    if (!/^Bearer\b/i.test(header)) {
      throw new StepFailure(
        'The 401 has no "WWW-Authenticate: Bearer …" header; Claude then shows "Failed to connect". Check that no proxy strips it.',
      );
    }
    const metadata = /resource_metadata="([^"]+)"/.exec(header)?.[1];
    if (metadata === undefined || URL.parse(metadata) === null) {
      throw new StepFailure(`The challenge lacks an absolute resource_metadata URL: ${header}`);
    }
    resourceMetadataUrl = metadata;
    if (!/scope="[^"]+"/.test(header)) return { warn: `The challenge names no scope: ${header}` };
    return `401 with ${header.slice(0, 160)}`;
  });

  let authorizationServer = endpoints.issuer;
  await step('protected-resource-metadata', 'Protected resource metadata (RFC 9728)', async () => {
    const document = json(await http(resourceMetadataUrl), resourceMetadataUrl);
    if (document['resource'] !== endpoints.resource) {
      throw new StepFailure(
        `resource is ${JSON.stringify(document['resource'])}, not the connector URL ${endpoints.resource}; clients refuse the mismatch. Set GATEWAY_PUBLIC_URL to the URL clients use.`,
      );
    }
    const servers = document['authorization_servers'];
    if (!Array.isArray(servers) || typeof servers[0] !== 'string')
      throw new StepFailure('authorization_servers is missing.');
    authorizationServer = servers[0];
    const root = await http(endpoints.resourceMetadataRoot);
    if (root.status !== 200)
      return { warn: `${endpoints.resourceMetadataRoot} answered ${root.status}; some clients look there.` };
    return `resource ${endpoints.resource}, authorization server ${authorizationServer}`;
  });

  let metadata: Record<string, unknown> = {};
  await step('authorization-server-metadata', 'Authorization server metadata (RFC 8414)', async () => {
    const url = `${new URL(authorizationServer).origin}/.well-known/oauth-authorization-server`;
    metadata = json(await http(url), url);
    const problems: string[] = [];
    if (metadata['issuer'] !== authorizationServer)
      problems.push(`issuer is ${JSON.stringify(metadata['issuer'])}, not ${authorizationServer}`);
    if (!list(metadata['code_challenge_methods_supported']).includes('S256'))
      problems.push('code_challenge_methods_supported lacks S256');
    if (typeof metadata['registration_endpoint'] !== 'string') problems.push('registration_endpoint is missing');
    if (!list(metadata['token_endpoint_auth_methods_supported']).includes('none'))
      problems.push('token endpoint auth method "none" is missing');
    if (problems.length > 0) throw new StepFailure(`The metadata is not what Claude needs: ${problems.join('; ')}.`);
    if (metadata['client_id_metadata_document_supported'] !== true)
      return { warn: 'Client ID metadata documents are not advertised.' };
    return 'PKCE S256, dynamic registration and client ID metadata documents advertised';
  });

  let clientId: string | undefined;
  let accessToken: string | undefined;
  let temporaryKey: { id: string; token: string } | undefined;
  const redirectUri = CLAUDE_REDIRECT_URIS[0] as string;
  try {
    await step('registration', 'Dynamic client registration (what Claude does on connect)', async () => {
      const url = String(metadata['registration_endpoint']);
      const response = await http(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Switchboard connector diagnostics',
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      });
      if (response.status !== 201) {
        throw new StepFailure(
          `POST ${url} answered ${response.status}: ${response.body}. A WAF or rate limit on /register is a common cause.`,
        );
      }
      const body = parsed(response.body) as { client_id?: unknown };
      if (typeof body.client_id !== 'string') throw new StepFailure('The registration answer has no client_id.');
      clientId = body.client_id;
      return `registered client ${clientId}`;
    });

    const verifier = randomBytes(32).toString('base64url');
    let code: string | undefined;
    await step('authorization', 'Authorization request and consent (with a temporary API key)', async () => {
      const issued = await deps.keys.create(
        {
          name: 'connector diagnostics (temporary)',
          owner: 'diagnostics',
          scopes: ['*'],
          expiresAt: deps.clock.now() + 10 * 60 * 1000,
        },
        actor,
      );
      temporaryKey = { id: issued.key.id, token: issued.token };
      const state = randomBytes(12).toString('base64url');
      const authorize = new URL(String(metadata['authorization_endpoint']));
      for (const [name, value] of Object.entries({
        response_type: 'code',
        client_id: clientId ?? '',
        redirect_uri: redirectUri,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state,
        scope: 'mcp',
        resource: endpoints.resource,
      })) {
        authorize.searchParams.set(name, value);
      }
      const page = await http(authorize.href);
      if (page.status !== 200)
        throw new StepFailure(
          `GET ${authorize.origin}${authorize.pathname} answered ${page.status}, not the consent page.`,
        );
      const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const pageHtml = page.body;
      const consentUrl = new URL(formAction(pageHtml), authorize).href;
      const submit = async (fields: Record<string, string>) =>
        http(consentUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: endpoints.issuer },
          body: new URLSearchParams(fields).toString(),
        });
      const keyStep = await submit({ ...hiddenFields(pageHtml), action: 'continue', api_key: issued.token });
      if (keyStep.status !== 200)
        throw new StepFailure(`The consent page refused the temporary key (${keyStep.status}).`);
      const approve = await submit({ ...hiddenFields(keyStep.body), action: 'approve' });
      const location = approve.headers.get('location');
      const back = location === null ? null : URL.parse(location);
      if (approve.status !== 303 || back === null || !location?.startsWith(redirectUri)) {
        throw new StepFailure(`Approving did not redirect to ${redirectUri} (status ${approve.status}).`);
      }
      if (back.searchParams.get('state') !== state)
        throw new StepFailure('The redirect does not carry the state it was sent.');
      if (back.searchParams.get('iss') !== authorizationServer)
        throw new StepFailure('The redirect lacks the iss parameter (RFC 9207).');
      code = back.searchParams.get('code') ?? undefined;
      if (code === undefined)
        throw new StepFailure(`The redirect carries no code: ${back.searchParams.get('error') ?? ''}`);
      return 'consent page shown, key accepted, code returned with state and iss';
    });

    await step('token', 'Token exchange (authorization_code with PKCE)', async () => {
      const url = String(metadata['token_endpoint']);
      const response = await http(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: code ?? '',
          redirect_uri: redirectUri,
          code_verifier: verifier,
          client_id: clientId ?? '',
          resource: endpoints.resource,
        }).toString(),
      });
      const body = parsed(response.body) as Record<string, unknown>;
      if (response.status !== 200 || typeof body['access_token'] !== 'string') {
        throw new StepFailure(`POST ${url} answered ${response.status}: ${JSON.stringify(body)}.`);
      }
      accessToken = body['access_token'];
      if (typeof body['refresh_token'] !== 'string')
        return { warn: 'No refresh token was issued; Claude would ask to reconnect when the token expires.' };
      return `access token for ${body['expires_in']} s and a refresh token`;
    });

    await step('tools-list', 'MCP initialize and tools/list with the access token', async () => {
      const count = await listTools(endpoints.resource, accessToken ?? '');
      return `${count} tools visible through the connector`;
    });

    await step('revocation', 'Revoking the key stops its token', async () => {
      if (temporaryKey !== undefined) await deps.keys.revoke(temporaryKey.id, actor);
      const deadline = Date.now() + 2_000;
      for (;;) {
        const response = await http(endpoints.resource, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${accessToken ?? ''}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams() }),
        });
        if (response.status === 401) return 'the token was refused (401) once its key was revoked';
        if (Date.now() > deadline) {
          throw new StepFailure(
            `The token still worked 2 s after its key was revoked (status ${response.status}); check that every replica shares REDIS_URL.`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  } finally {
    if (temporaryKey !== undefined) await deps.keys.revoke(temporaryKey.id, actor).catch(() => undefined);
    if (clientId !== undefined) await deps.clients.delete(clientId).catch(() => false);
  }

  return { connector_url: endpoints.resource, ok: steps.every((s) => s.status !== 'fail'), steps };
}

async function checkPublicUrl(endpoints: OAuthEndpoints): Promise<string | { warn: string }> {
  const url = new URL(endpoints.resource);
  const warnings: string[] = [];
  if (url.protocol !== 'https:') {
    warnings.push(
      `GATEWAY_PUBLIC_URL is ${url.protocol.slice(0, -1)}; Claude only connects to https with a certificate it trusts. Put the gateway behind TLS and set GATEWAY_PUBLIC_URL to the https address.`,
    );
  } else if (url.port !== '' && url.port !== '443') {
    warnings.push(`The public URL uses port ${url.port}; serve it on 443 so Claude and corporate networks reach it.`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true }).catch(() => []);
  if (addresses.length === 0) warnings.push(`${host} does not resolve.`);
  else if (addresses.some((a) => !isPublicAddress(a.address))) {
    warnings.push(
      `${host} resolves to ${addresses.map((a) => a.address).join(', ')}, not only to public addresses; Claude connects from Anthropic's cloud and cannot reach private ones ("Couldn't reach").`,
    );
  } else if (!addresses.some((a) => a.family === 4)) {
    warnings.push(`${host} has no IPv4 address; Claude connects over IPv4 only.`);
  }
  return warnings.length > 0 ? { warn: warnings.join(' ') } : `https on 443, ${host} resolves to public addresses`;
}

async function listTools(url: string, token: string): Promise<number> {
  const client = new Client({ name: 'switchboard-diagnostics', version: '1.0.0' });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const { tools } = await client.listTools();
    return tools.length;
  } catch (error) {
    throw new StepFailure(`The MCP client could not list tools with the access token: ${describe(error)}.`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

function json(response: Fetched, url: string): Record<string, unknown> {
  if (response.status !== 200) throw new StepFailure(`GET ${url} answered ${response.status}, not 200.`);
  const body = parsed(response.body);
  if (typeof body !== 'object' || body === null) throw new StepFailure(`GET ${url} did not answer a JSON object.`);
  return body as Record<string, unknown>;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] as string] = (match[2] as string).replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  }
  return fields;
}

function formAction(html: string): string {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (action === undefined) throw new StepFailure('The consent page has no form.');
  return action.replaceAll('&amp;', '&');
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function initializeParams() {
  return {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'switchboard-diagnostics', version: '1.0.0' },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

const reportSchema = z
  .object({
    connector_url: z.string(),
    ok: z.boolean(),
    steps: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        status: z.enum(['pass', 'warn', 'fail', 'skip']),
        message: z.string(),
      }),
    ),
  })
  .meta({ id: 'AdminConnectorDiagnostics' });

/** `GET /diagnostics/connector` (under `/admin/v1`, inside the admin auth scope). */
export function connectorDiagnosticsRoutes(deps: ConnectorDiagnosticsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/diagnostics/connector',
      {
        schema: {
          tags: ['diagnostics'],
          summary: 'Replay what Claude does with the connector URL and report each step',
          response: { 200: reportSchema, ...problemResponses },
        },
      },
      async (request) => runConnectorDiagnostics(deps, actorOf(request)),
    );
  };
}
