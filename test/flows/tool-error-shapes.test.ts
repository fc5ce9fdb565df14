/**
 * Error results every official client accepts. The SDK v1 client validates `structuredContent` against the
 * tool's `outputSchema` even when `isError` is true, and throws -32602 when it does not match; a strict
 * client does the same. So for every tool that declares an outputSchema, and for every way a call can fail
 * (the tool itself, the gateway's refusals, the gateway's upstream failures), the error result must resolve
 * in the v1 and v2 clients, pass a strict check, and carry its code where the README says:
 * `_meta["dev.switchboard/error"]`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readToolError, TOOL_ERROR_META_KEY } from '@switchboard/errors';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { BLOTATO_BUDGET_NAMES, buildBlotatoServer, loadBlotatoConfig } from '../../apps/mcp-blotato/src/index.ts';
import { buildDriveServer, loadDriveConfig } from '../../apps/mcp-drive/src/index.ts';
import { buildGmailServer, loadGmailConfig } from '../../apps/mcp-gmail/src/index.ts';
import { type FakeBlotato, type FakeRoute, startFakeBlotato } from '../fakes/blotato/index.ts';
import { type FakeGoogle, HUGE_DOC_ID, PDF_ID, startFakeGoogle } from '../fakes/google/index.ts';
import { baseEnv, type RunningGateway, startGateway, TEST_ASSERTION_SECRET } from '../support/gateway-harness.ts';

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
const GATEWAY_TIMEOUT_MS = 3000;

/** Arguments that pass each tool's input schema, so the call reaches its handler (or the gateway's checks). */
const ARGS: Record<string, () => Record<string, unknown>> = {
  blotato_list_accounts: () => ({}),
  blotato_list_pinterest_boards: () => ({ account_id: '98432' }),
  blotato_prepare_post: () => ({ account_id: '98432', platform: 'twitter', text: 'Error shapes' }),
  blotato_publish_post: () => ({
    account_id: '98432',
    platform: 'twitter',
    text: 'Error shapes',
    idempotency_key: randomUUID(),
  }),
  blotato_get_post_status: () => ({ post_submission_id: 'sub_missing' }),
  blotato_list_posts: () => ({}),
  blotato_list_scheduled_posts: () => ({}),
  blotato_reschedule_post: () => ({ schedule_id: 'sch_missing', scheduled_time: inAnHour() }),
  blotato_cancel_scheduled_post: () => ({ schedule_id: 'sch_missing' }),
  blotato_import_media: () => ({ source_url: 'https://example.com/a.jpg', idempotency_key: randomUUID() }),
  blotato_create_upload_url: () => ({ filename: 'clip.mp4' }),
  blotato_list_visual_templates: () => ({}),
  blotato_get_visual_template: () => ({ template_id: 'tpl_missing' }),
  blotato_create_visual: () => ({ template_id: 'tpl_missing', prompt: 'x', idempotency_key: randomUUID() }),
  blotato_get_visual_status: () => ({ visual_id: 'vis_missing' }),
  blotato_get_credits: () => ({}),
  gmail_search_threads: () => ({}),
  gmail_get_thread: () => ({ thread_id: 'thread_missing' }),
  gmail_get_thread_digests: () => ({}),
  gmail_get_message: () => ({ message_id: 'message_missing' }),
  gmail_list_labels: () => ({}),
  gmail_create_draft: () => ({ to: ['carol@partner.example'], subject: 'Error shapes', body_text: 'x' }),
  gmail_send_draft: () => ({ draft_id: 'draft_missing', confirm: true }),
  drive_search_files: () => ({}),
  drive_get_file: () => ({ file_id: 'file_missing' }),
  drive_read_file: () => ({ file_id: 'file_missing' }),
  drive_list_folder: () => ({}),
};

const BLOTATO_ROUTES: FakeRoute[] = [
  'GET /v2/users/me',
  'GET /v2/users/me/accounts',
  'GET /v2/users/me/accounts/:id/subaccounts',
  'GET /v2/social/pinterest/boards',
  'POST /v2/posts',
  'GET /v2/posts/:id',
  'GET /v2/posts',
  'GET /v2/schedules',
  'GET /v2/schedules/:id',
  'PATCH /v2/schedules/:id',
  'DELETE /v2/schedules/:id',
  'POST /v2/media',
  'POST /v2/media/uploads',
  'GET /v2/videos/templates',
  'POST /v2/videos/from-templates',
  'GET /v2/videos/creations/:id',
  'GET /v2/credits',
];

type ToolResult = { isError?: boolean; structuredContent?: unknown; content?: unknown; _meta?: unknown };
type Fault = 'none' | 'stall' | 'refuse';

/** A tool server that can be told to stall or refuse the gateway's `tools/call` (a slow or re-keyed server). */
function withFaults(app: FastifyInstance): { app: FastifyInstance; fault: Fault } {
  const holder = { app, fault: 'none' as Fault };
  app.addHook('preHandler', async (request, reply) => {
    const method = (request.body as { method?: unknown } | undefined)?.method;
    if (holder.fault === 'none' || method !== 'tools/call') return;
    if (holder.fault === 'stall') await new Promise((r) => setTimeout(r, GATEWAY_TIMEOUT_MS * 3));
    else return reply.code(401).type('application/json').send({ code: 'UNAUTHENTICATED' });
  });
  return holder;
}

describe('tool error results through the gateway, for every tool with an outputSchema', { timeout: 240_000 }, () => {
  let google: FakeGoogle;
  let blotato: FakeBlotato;
  const servers: Record<string, { app: FastifyInstance; fault: Fault }> = {};
  const bare: FastifyInstance[] = [];
  let gw: RunningGateway;
  let bareGw: RunningGateway;
  /** Every tool the gateway lists, with its outputSchema compiled by a strict validator. */
  const tools = new Map<string, ValidateFunction | undefined>();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);

  before(async () => {
    google = await startFakeGoogle();
    blotato = await startFakeBlotato();
    const common = { CALLER_ASSERTION_SECRET: TEST_ASSERTION_SECRET, LOG_LEVEL: 'silent' };
    const googleCommon = {
      ...common,
      GMAIL_BASE_URL: google.url,
      DRIVE_BASE_URL: google.url,
      GOOGLE_TOKEN_URL: `${google.url}/token`,
      GOOGLE_AUTH_URL: `${google.url}/o/oauth2/v2/auth`,
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GATEWAY_PUBLIC_URL: 'http://localhost:8080',
      GMAIL_SEND_ENABLED: 'true',
      // Quota errors answer at once instead of queueing; the budgets themselves do not get in the way.
      GMAIL_QUOTA_MAX_WAIT_MS: '200',
      DRIVE_QUOTA_MAX_WAIT_MS: '200',
      GMAIL_USER_QUOTA_PER_MIN: '1000000',
      DRIVE_USER_QUOTA_PER_MIN: '1000000',
    };
    const alice = google.accounts.alice.email;
    const everything = [google.scopes.gmailReadonly, google.scopes.gmailCompose, google.scopes.driveReadonly];
    servers['blotato'] = withFaults(
      buildBlotatoServer(
        loadBlotatoConfig({
          ...common,
          BLOTATO_API_KEY: blotato.apiKey,
          BLOTATO_BASE_URL: blotato.url,
          // Errors, not Blotato's pacing, are under test here; a paused budget answers at once.
          GOVERNOR_MAX_WAIT_MS: '200',
          BLOTATO_BUDGETS: JSON.stringify(Object.fromEntries(BLOTATO_BUDGET_NAMES.map((b) => [b, 6000]))),
        }),
        {},
      ),
    );
    servers['gmail'] = withFaults(
      buildGmailServer(
        loadGmailConfig({ ...googleCommon, GOOGLE_REFRESH_TOKEN: google.issueRefreshToken(alice, everything) }),
      ),
    );
    servers['drive'] = withFaults(
      buildDriveServer(
        loadDriveConfig({ ...googleCommon, GOOGLE_REFRESH_TOKEN: google.issueRefreshToken(alice, everything) }),
      ),
    );
    // The same three servers unconfigured: no Blotato key, no Google account linked to the caller's key.
    bare.push(buildBlotatoServer(loadBlotatoConfig({ ...common, BLOTATO_BASE_URL: blotato.url }), {}));
    bare.push(buildGmailServer(loadGmailConfig(googleCommon)), buildDriveServer(loadDriveConfig(googleCommon)));

    const upstreams = [];
    for (const [name, server] of Object.entries(servers)) {
      const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      upstreams.push({ name, url: `${url}/mcp`, timeout_ms: GATEWAY_TIMEOUT_MS });
    }
    gw = await startGateway(baseEnv(upstreams as never));
    const bareUpstreams = [];
    for (const [i, name] of ['blotato', 'gmail', 'drive'].entries()) {
      const url = await bare[i]!.listen({ port: 0, host: '127.0.0.1' });
      bareUpstreams.push({ name, url: `${url}/mcp`, connect: name !== 'blotato' });
    }
    bareGw = await startGateway(baseEnv(bareUpstreams as never));

    const lister = await clientsFor(gw, (await gw.createKey(['*'])).token);
    for (const tool of (await lister.v2.listTools()).tools) {
      tools.set(tool.name, tool.outputSchema === undefined ? undefined : ajv.compile(tool.outputSchema));
    }
    await lister.close();
  });
  after(async () => {
    await gw?.close();
    await bareGw?.close();
    for (const server of Object.values(servers)) await server.app.close();
    for (const app of bare) await app.close();
    await blotato?.close();
    await google?.close();
  });

  /** A v1 (2025-era session) and a v2 (negotiating, so the stateless era) client for one key, tools listed. */
  async function clientsFor(gateway: RunningGateway, token: string) {
    const requestInit = { headers: { authorization: `Bearer ${token}` } };
    const v1 = new V1Client({ name: 'error-shapes-v1', version: '1.0.0' });
    await v1.connect(new V1Transport(gateway.mcpUrl, { requestInit }));
    const v2 = new Client({ name: 'error-shapes-v2', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await v2.connect(new StreamableHTTPClientTransport(gateway.mcpUrl, { requestInit }));
    // Both clients validate against the schemas they have seen in tools/list (v1 only then).
    await v1.listTools();
    await v2.listTools();
    return {
      v1,
      v2,
      close: async () => {
        await v1.close();
        await v2.close();
      },
    };
  }
  type Clients = Awaited<ReturnType<typeof clientsFor>>;

  const schemaTools = () => [...tools].filter(([, validate]) => validate !== undefined).map(([name]) => name);

  /**
   * Calls `tool` with both clients and checks each error result: resolves (no client-side protocol error),
   * `isError: true`, any structuredContent valid against the outputSchema, the code under the `_meta` key.
   * Returns the codes seen (v1, v2).
   */
  async function callFailing(
    clients: Clients,
    tool: string,
    args: Record<string, unknown> = ARGS[tool]!(),
  ): Promise<string[]> {
    const codes: string[] = [];
    for (const [label, client] of [
      ['v1', clients.v1],
      ['v2', clients.v2],
    ] as const) {
      let result: ToolResult;
      try {
        result = (await client.callTool({ name: tool, arguments: args })) as ToolResult;
      } catch (error) {
        assert.fail(`${label} client rejected the result of ${tool}: ${(error as Error).message}`);
      }
      assert.equal(result.isError, true, `${label} ${tool}: ${JSON.stringify(result).slice(0, 300)}`);
      const validate = tools.get(tool)!;
      if (result.structuredContent !== undefined) {
        assert.ok(
          validate(result.structuredContent),
          `${label} ${tool}: structuredContent breaks the outputSchema: ${ajv.errorsText(validate.errors)}`,
        );
      }
      const error = readToolError(result);
      assert.ok(error !== undefined, `${label} ${tool}: no error under _meta["${TOOL_ERROR_META_KEY}"]`);
      const text = (result.content as { type: string; text?: string }[])[0]?.text ?? '';
      assert.equal(text, error.message, `${label} ${tool}: the sentence stays in the text`);
      codes.push(error.code);
    }
    return codes;
  }

  /**
   * Calls every tool in `names` with both clients; each code must be one of `allowed`. Returns the codes
   * seen per tool (v1, v2), which can differ when a circuit breaker opens between the two calls.
   */
  async function everyTool(clients: Clients, names: string[], allowed: string[]): Promise<Map<string, string[]>> {
    const seen = new Map<string, string[]>();
    for (const tool of names) {
      const codes = await callFailing(clients, tool);
      for (const code of codes) assert.ok(allowed.includes(code), `${tool}: ${code} is not one of ${allowed}`);
      seen.set(tool, codes);
    }
    return seen;
  }
  const allCodes = (seen: Map<string, string[]>) => new Set([...seen.values()].flat());
  const upstreamTools = (upstream: string) => schemaTools().filter((n) => n.startsWith(`${upstream}_`));

  /** Waits until the gateway reaches each upstream again (its circuit breaker closed after a fault). */
  async function healthy(clients: Clients) {
    const gatewayFailures = ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_AUTH'];
    for (const tool of ['blotato_get_credits', 'gmail_list_labels', 'drive_list_folder']) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const result = (await clients.v2.callTool({ name: tool, arguments: {} })) as ToolResult;
        if (!gatewayFailures.includes(readToolError(result)?.code ?? '')) break;
        assert.ok(Date.now() < deadline, `${tool} did not recover: ${JSON.stringify(result.content)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  it('lists only tools it knows how to call, each declaring an outputSchema', () => {
    assert.deepEqual(schemaTools().sort(), Object.keys(ARGS).sort());
  });

  it('tool-side errors (not found, oversize export, binary file, unconfirmed send) reach every client', async () => {
    const clients = await clientsFor(gw, (await gw.createKey(['*'])).token);
    const cases: [string, Record<string, unknown>, string][] = [
      ['blotato_get_visual_template', { template_id: 'tpl_missing' }, 'NOT_FOUND'],
      ['blotato_get_visual_status', { visual_id: 'vis_missing' }, 'NOT_FOUND'],
      ['blotato_cancel_scheduled_post', { schedule_id: 'sch_missing' }, 'NOT_FOUND'],
      ['blotato_reschedule_post', { schedule_id: 'sch_missing', scheduled_time: inAnHour() }, 'NOT_FOUND'],
      ['blotato_publish_post', { account_id: 'acc_missing', platform: 'twitter', text: 'x' }, 'VALIDATION_FAILED'],
      ['gmail_get_thread', { thread_id: 'thread_missing' }, 'NOT_FOUND'],
      ['gmail_get_message', { message_id: 'message_missing' }, 'NOT_FOUND'],
      ['gmail_send_draft', { draft_id: 'draft_missing' }, 'CONFIRMATION_REQUIRED'],
      ['gmail_send_draft', { draft_id: 'draft_missing', confirm: true }, 'NOT_FOUND'],
      ['drive_get_file', { file_id: 'file_missing' }, 'NOT_FOUND'],
      // The Doc over Drive's 10 MB export limit: the call the SDK v1 client used to reject.
      ['drive_read_file', { file_id: HUGE_DOC_ID }, 'EXPORT_TOO_LARGE'],
      ['drive_read_file', { file_id: PDF_ID }, 'UNSUPPORTED_CONTENT'],
    ];
    for (const [tool, args, code] of cases) {
      assert.deepEqual(await callFailing(clients, tool, args), [code, code], `${tool} ${JSON.stringify(args)}`);
    }
    await clients.close();
  });

  it('upstream faults behind the tool servers (Blotato 500 and 429, Google 401, 429 and 403)', async () => {
    const clients = await clientsFor(gw, (await gw.createKey(['*'])).token);
    // prepare_post checks a post against accounts it has already listed, and list_labels answers from the
    // label names it has already resolved: neither reaches the upstream again.
    const blotatoTools = upstreamTools('blotato').filter((n) => n !== 'blotato_prepare_post');
    const googleTools = [...upstreamTools('gmail'), ...upstreamTools('drive')].filter((n) => n !== 'gmail_list_labels');
    try {
      // Repeated 500s: reads give up (and pause the budget), writes become "outcome unknown".
      for (const route of BLOTATO_ROUTES) blotato.setMode(route, 'error-500', { times: 10_000 });
      await everyTool(clients, blotatoTools, [
        'UPSTREAM_UNAVAILABLE',
        'UPSTREAM_ERROR',
        'OUTCOME_UNKNOWN',
        'RATE_LIMITED',
      ]);
      for (const route of BLOTATO_ROUTES) blotato.setMode(route, 'rate-limit', { times: 10_000, retryInS: 1 });
      await everyTool(clients, blotatoTools, ['RATE_LIMITED']);
      for (const route of BLOTATO_ROUTES) blotato.setMode(route, 'normal');
      google.setMode({ rejectAccessTokens: 10_000 });
      await everyTool(clients, googleTools, ['UPSTREAM_AUTH']);
      google.setMode({});
      await healthy(clients);
      google.setMode({ rateLimit: { api: 'gmail', shape: '429', times: 10_000, retryAfterS: 60 } });
      await everyTool(
        clients,
        googleTools.filter((n) => n.startsWith('gmail_')),
        ['RATE_LIMITED'],
      );
      google.setMode({ rateLimit: { api: 'drive', shape: '403-user', times: 10_000, retryAfterS: 60 } });
      await everyTool(clients, upstreamTools('drive'), ['RATE_LIMITED']);
    } finally {
      for (const route of BLOTATO_ROUTES) blotato.setMode(route, 'normal');
      google.setMode({});
      await clients.close();
    }
  });

  it('unconfigured tool servers: NOT_CONFIGURED, and CONNECT_REQUIRED with its link under _meta', async () => {
    const clients = await clientsFor(bareGw, (await bareGw.createKey(['*'])).token);
    const blotatoCodes = await everyTool(clients, upstreamTools('blotato'), ['NOT_CONFIGURED']);
    assert.equal(blotatoCodes.size, 16);
    await everyTool(clients, [...upstreamTools('gmail'), ...upstreamTools('drive')], ['CONNECT_REQUIRED']);
    const unlinked = (await clients.v1.callTool({
      name: 'drive_read_file',
      arguments: ARGS['drive_read_file']!(),
    })) as ToolResult;
    const error = readToolError(unlinked)!;
    assert.match(String(error['connect_url']), /\/connect\//);
    assert.ok(JSON.stringify(unlinked.content).includes(String(error['connect_url'])), 'the sentence carries the link');
    await clients.close();
  });

  it('the gateway refuses: scope not granted, rate limited (retry time under _meta)', async () => {
    const narrow = await clientsFor(gw, (await gw.createKey(['nothing_*'])).token);
    await everyTool(narrow, schemaTools(), ['SCOPE_DENIED']);
    await narrow.close();
    const limits = { key: null, tools: [{ pattern: '*', limit: 1, window_s: 3600 }] };
    const limited = await clientsFor(gw, (await gw.createKey(['*'], { limits })).token);
    await limited.v2.callTool({ name: 'blotato_get_credits', arguments: {} });
    await everyTool(limited, schemaTools(), ['RATE_LIMITED']);
    const refused = (await limited.v1.callTool({ name: 'drive_list_folder', arguments: {} })) as ToolResult;
    const error = readToolError(refused)!;
    assert.ok(Number(error.retry_after_s) >= 1, JSON.stringify(error));
    assert.equal(error['scope'], 'tool:*');
    await limited.close();
  });

  it('upstream failures at the gateway: timeout, refused credentials, down', async () => {
    const clients = await clientsFor(gw, (await gw.createKey(['*'])).token);
    for (const [fault, code] of [
      ['stall', 'UPSTREAM_TIMEOUT'],
      ['refuse', 'UPSTREAM_AUTH'],
    ] as const) {
      for (const server of Object.values(servers)) server.fault = fault;
      // The three upstreams at once: each one's breaker opens after a few failures and fails fast then.
      const seen = await Promise.all(
        ['blotato', 'gmail', 'drive'].map((u) => everyTool(clients, upstreamTools(u), [code, 'UPSTREAM_UNAVAILABLE'])),
      );
      for (const perUpstream of seen) assert.ok(allCodes(perUpstream).has(code), `${fault}: ${code} seen`);
      for (const server of Object.values(servers)) server.fault = 'none';
      await healthy(clients);
    }
    for (const server of Object.values(servers)) {
      // Down for real (connection refused), without waiting for the gateway's open streams to end.
      const closing = server.app.close();
      server.app.server.closeAllConnections();
      await closing;
    }
    await everyTool(clients, schemaTools(), ['UPSTREAM_UNAVAILABLE']);
    await clients.close();
  });
});
