/**
 * Bad input at the gateway's three doors, generated with fast-check: `/mcp` (JSON-RPC shapes, batches, protocol
 * and session headers, forged and tampered session ids and tokens, deep nesting, huge ids, invalid UTF-8, any
 * content type), the admin API (bodies, ids, query strings, with and without the admin token) and the OAuth
 * endpoints (`/register`, `/authorize`, `/token`, `/revoke` with any form fields).
 *
 * Every answer must be a documented status with its documented shape, never a 5xx or a dropped connection; and
 * the store must come out as it went in: every key record, key hash, OAuth client, code and refresh family that
 * existed before is byte-identical afterwards (only `last_used_*` of the key the fuzzer authenticates with may
 * move), and nothing new appears except what a request was answered 201 for.
 *
 *   node --import @switchboard/ts-runtime/register test/fuzz/gateway-fuzz.ts --runs 10000 [--seed 42]
 */
import { request as httpRequest } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { closeRedis, createRedis } from '@switchboard/redis';
import { startRedisServer } from '@switchboard/testing';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, startGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';

export interface FuzzReport {
  runs: number;
  seed: number;
  byDoor: Record<string, number>;
  byStatus: Record<string, number>;
  /** Requests the HTTP client itself refused to send (a header value Node will not put on the wire). */
  unsendable: number;
  /** Answers that broke the contract (status, shape, connection), first few. */
  violations: string[];
  violationCount: number;
  storeKeysCompared: number;
  /** Stored keys that changed or vanished, or appeared without a 201 to account for them. */
  storeChanges: string[];
  durationMs: number;
}

interface FuzzRequest {
  door: 'mcp' | 'admin' | 'oauth';
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const VERSIONS = ['2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28', '2024-11-05', '1999-01-01', ''];
const METHODS = [
  'initialize',
  'notifications/initialized',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'notifications/cancelled',
  '__proto__',
  'constructor',
];
// 431: Node's HTTP parser refuses oversized heads before the app sees them (documented by RFC 6585).
const MCP_STATUSES = new Set([200, 202, 204, 400, 401, 403, 404, 405, 406, 413, 415, 429, 431]);
const ADMIN_STATUSES = new Set([200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 431]);
const OAUTH_STATUSES = new Set([200, 201, 302, 303, 400, 401, 403, 404, 405, 413, 415, 429, 431]);

/** `["[[[…]]]"]`-style nesting far deeper than any parser's recursion would like. */
const deep = (depth: number, open: string, close: string, core = '1') =>
  `${open.repeat(depth)}${core}${close.repeat(depth)}`;

function tamper(text: string, at: number, replacement: string): string {
  if (text.length === 0) return replacement;
  const i = at % text.length;
  const swapped = text[i] === replacement ? (replacement === 'A' ? 'B' : 'A') : replacement;
  return `${text.slice(0, i)}${swapped}${text.slice(i + 1)}`;
}

function generators(known: { apiKey: string; sessionId: string; keyId: string }) {
  const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_.~:/+= %{}"\'<>'.split('')), maxLength: 40 });
  const anyText = fc.string({ unit: 'binary', maxLength: 60 });
  const token = fc.oneof(
    // Mostly the real key, so requests get past authentication to the JSON-RPC handling behind it.
    { weight: 6, arbitrary: fc.constant(known.apiKey) },
    fc.tuple(fc.nat(), fc.constantFrom('A', 'z', '0', '_')).map(([at, c]) => tamper(known.apiKey, at, c)),
    fc.constant(`${known.apiKey}x`),
    fc.constant('sb_'),
    printable.map((s) => `sb_${s}`),
    printable.map((s) => `eyJ${s}.eyJ${s}.${s}`),
    printable,
  );
  const authorization = fc.oneof(
    token.map((t) => `Bearer ${t}`),
    token.map((t) => `bearer  ${t}`),
    token.map((t) => `Basic ${Buffer.from(`${t}:x`).toString('base64')}`),
    printable,
  );
  const sessionId = fc.oneof(
    fc.constant(known.sessionId),
    fc.tuple(fc.nat(), fc.constantFrom('A', 'z', '0', '-')).map(([at, c]) => tamper(known.sessionId, at, c)),
    fc.constant(known.sessionId.slice(0, -2)),
    fc.constant(`${known.sessionId}.${known.sessionId}`),
    printable,
    fc.constant('x'.repeat(5000)),
  );
  const id = fc.oneof(
    fc.integer(),
    fc.string({ maxLength: 20 }),
    fc.constant(null),
    fc.double(),
    fc.boolean(),
    fc.constant({ nested: 1 }),
    fc.constant([1]),
  );
  const params = fc.oneof(
    fc.constant(undefined),
    fc.anything({ maxDepth: 3 }),
    fc.record(
      {
        name: fc.oneof(fc.constantFrom('echo_echo', 'echo_slow', 'nope', ''), anyText),
        arguments: fc.anything({ maxDepth: 3 }),
        protocolVersion: fc.constantFrom(...VERSIONS),
        capabilities: fc.anything({ maxDepth: 2 }),
        clientInfo: fc.anything({ maxDepth: 2 }),
        uri: anyText,
        _meta: fc.anything({ maxDepth: 2 }),
        cursor: anyText,
      },
      { requiredKeys: [] },
    ),
  );
  const message = fc.record(
    {
      jsonrpc: fc.constantFrom('2.0', '1.0', 2, null),
      id,
      method: fc.oneof(fc.constantFrom(...METHODS), anyText),
      params,
      result: fc.anything({ maxDepth: 2 }),
      error: fc.anything({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  );
  const jsonBody = fc.oneof(
    { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
    { weight: 2, arbitrary: fc.array(message, { maxLength: 5 }).map((m) => JSON.stringify(m)) },
    { weight: 1, arbitrary: fc.anything().map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => deep(n, '[', ']')) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 5_000 })
        .map((n) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${deep(n, '{"a":', '}')}}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 20, max: 5_000 })
        .map((n) => `{"jsonrpc":"2.0","id":${'9'.repeat(n)},"method":"ping"}`),
    },
    { weight: 1, arbitrary: fc.constant('{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{"polluted":true}}') },
  );
  const body = fc.oneof(
    { weight: 8, arbitrary: jsonBody.map((s) => Buffer.from(s, 'utf8')) },
    // Invalid UTF-8 inside an otherwise plausible request.
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          jsonBody,
          fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => b.map((x) => 0x80 | x)),
        )
        .map(([s, bad]) => {
          const raw = Buffer.from(s, 'utf8');
          const at = Math.floor(raw.length / 2);
          return Buffer.concat([raw.subarray(0, at), Buffer.from([0xff, 0xfe, ...bad]), raw.subarray(at)]);
        }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    '',
  );
  const accept = fc.constantFrom(
    'application/json, text/event-stream',
    'application/json',
    'text/event-stream',
    '*/*',
    'text/html',
    '',
  );
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

  const mcp: fc.Arbitrary<FuzzRequest> = fc
    .record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'GET', 'DELETE', 'PUT', 'OPTIONS'),
      authorization: optional(authorization),
      version: optional(fc.oneof(fc.constantFrom(...VERSIONS), printable)),
      session: optional(sessionId),
      mcpMethod: optional(fc.oneof(fc.constantFrom(...METHODS), printable)),
      mcpName: optional(printable),
      contentType: optional(contentType),
      accept: optional(accept),
      body,
      query: optional(printable),
    })
    .map((r) => ({
      door: 'mcp' as const,
      method: r.method,
      path: `/mcp${r.query === undefined ? '' : `?${encodeURIComponent(r.query)}`}`,
      headers: clean({
        authorization: r.authorization,
        'mcp-protocol-version': r.version,
        'mcp-session-id': r.session,
        'mcp-method': r.mcpMethod,
        'mcp-name': r.mcpName,
        'content-type': r.contentType,
        accept: r.accept,
      }),
      ...(r.method === 'POST' || r.method === 'PUT' ? { body: r.body } : {}),
    }));

  // Ids that exist nowhere, or that look like the known key's id with one character changed: mutations on
  // them must be 404s, never a change to the real key.
  const keyIdLike = fc.oneof(
    fc.tuple(fc.nat(), fc.constantFrom('A', 'z', '0')).map(([at, c]) => tamper(known.keyId, at + 4, c)),
    printable.map((s) => `key_${s}`),
    fc.constant('..%2F..%2Fkeys'),
    fc.constant('%00'),
    printable,
  );
  const adminBody = fc.oneof(
    fc.record(
      {
        name: fc.oneof(anyText, fc.constant('x'.repeat(10_000))),
        owner: anyText,
        scopes: fc.oneof(fc.array(anyText, { maxLength: 4 }), fc.anything({ maxDepth: 1 })),
        limits: fc.anything({ maxDepth: 3 }),
        expires_at: fc.oneof(anyText, fc.integer()),
        grace_s: fc.oneof(fc.integer(), fc.double(), anyText),
      },
      { requiredKeys: [] },
    ),
    fc.anything({ maxDepth: 3 }),
  );
  const admin: fc.Arbitrary<FuzzRequest> = fc
    .record({
      route: fc.constantFrom(
        'POST /keys',
        'GET /keys',
        'GET /keys/:id',
        'PATCH /keys/:id',
        'DELETE /keys/:id',
        'POST /keys/:id/rotate',
        'POST /keys/:id/revoke',
        'GET /keys/:id/usage',
        'GET /audit',
        'GET /usage',
        'GET /upstreams',
        'POST /oauth/clients',
        'GET /nope',
      ),
      id: keyIdLike,
      // Mostly the real admin token: without it every answer is the same 401 and the routes are not reached.
      auth: fc.oneof(
        { weight: 4, arbitrary: fc.constant(`Bearer ${TEST_ADMIN_TOKEN}`) },
        { weight: 1, arbitrary: authorization },
      ),
      query: optional(
        fc.dictionary(fc.constantFrom('limit', 'cursor', 'since', 'until', 'key_id', 'status', 'x'), anyText),
      ),
      body: fc.oneof(
        { weight: 4, arbitrary: adminBody.map((b) => Buffer.from(JSON.stringify(b) ?? 'null')) },
        { weight: 1, arbitrary: body },
      ),
      contentType: optional(contentType),
    })
    .map((r) => {
      const [method = 'GET', template = '/'] = r.route.split(' ');
      const query = r.query === undefined ? '' : `?${new URLSearchParams(r.query).toString()}`;
      const path = `/admin/v1${template.replace(':id', encodeURIComponent(r.id))}${query}`;
      return {
        door: 'admin' as const,
        method,
        path,
        headers: clean({ authorization: r.auth, 'content-type': r.contentType ?? 'application/json' }),
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: r.body }),
      };
    });

  const formField = fc.constantFrom(
    'grant_type',
    'code',
    'code_verifier',
    'redirect_uri',
    'client_id',
    'client_secret',
    'refresh_token',
    'token',
    'token_type_hint',
    'resource',
    'scope',
    'state',
    'response_type',
    'code_challenge',
    'code_challenge_method',
    '__proto__',
  );
  const formValue = fc.oneof(
    fc.constantFrom(
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'S256',
      'plain',
      'code',
      'https://claude.ai/api/mcp/auth_callback',
      'javascript:alert(1)',
    ),
    printable.map((s) => `sbrt_${s}.${s}`),
    anyText,
    fc.constant('x'.repeat(20_000)),
  );
  const form = fc.dictionary(formField, formValue, { maxKeys: 8 });
  const registration = fc.record(
    {
      client_name: anyText,
      redirect_uris: fc.oneof(fc.array(fc.oneof(formValue, printable), { maxLength: 3 }), fc.anything()),
      token_endpoint_auth_method: fc.constantFrom('none', 'client_secret_post', 'client_secret_basic', 'private'),
      grant_types: fc.anything({ maxDepth: 1 }),
      response_types: fc.anything({ maxDepth: 1 }),
      scope: anyText,
      client_uri: anyText,
      logo_uri: anyText,
    },
    { requiredKeys: [] },
  );
  const oauth: fc.Arbitrary<FuzzRequest> = fc
    .record({
      endpoint: fc.constantFrom('/register', '/authorize', '/token', '/token', '/revoke', '/authorize/consent'),
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
      form,
      registration,
      asJson: fc.boolean(),
      raw: optional(body),
      basic: optional(fc.tuple(printable, printable).map(([u, p]) => `Basic ${btoa(`${u}:${p}`)}`)),
      origin: optional(fc.constantFrom('http://evil.example', 'null', 'https://claude.ai')),
      cookie: optional(printable.map((s) => `sb_consent_csrf=${s}`)),
    })
    .map((r) => {
      const query = new URLSearchParams(r.form).toString();
      if (r.endpoint === '/authorize' || r.method === 'GET') {
        return {
          door: 'oauth' as const,
          method: 'GET',
          path: `${r.endpoint}?${query}`,
          headers: clean({ cookie: r.cookie }),
        };
      }
      const payload =
        r.raw ??
        (r.endpoint === '/register' || r.asJson
          ? Buffer.from(JSON.stringify(r.endpoint === '/register' ? r.registration : r.form) ?? 'null')
          : Buffer.from(query));
      return {
        door: 'oauth' as const,
        method: 'POST',
        path: r.endpoint,
        headers: clean({
          'content-type':
            r.endpoint === '/register' || r.asJson ? 'application/json' : 'application/x-www-form-urlencoded',
          authorization: r.basic,
          origin: r.origin,
          cookie: r.cookie,
        }),
        body: payload,
      };
    });

  return fc.oneof({ weight: 5, arbitrary: mcp }, { weight: 2, arbitrary: admin }, { weight: 3, arbitrary: oauth });
}

function clean(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) out[name] = value;
  return out;
}

function send(base: URL, req: FuzzRequest): Promise<Answer | 'unsendable'> {
  return new Promise((resolve, reject) => {
    let outgoing: ReturnType<typeof httpRequest>;
    try {
      outgoing = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          method: req.method,
          path: req.path,
          headers: { ...req.headers, ...(req.body === undefined ? {} : { 'content-length': req.body.length }) },
          timeout: 15_000,
          // A fresh connection each time: after a refusal that closes the socket (413, 431) a pooled one can
          // be reused a moment before the close arrives, and the resulting hang-up would be the client's.
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          // A GET on /mcp may open an SSE stream that stays open: its head is the answer.
          if ((res.headers['content-type'] ?? '').includes('text/event-stream') && req.method === 'GET') {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
            res.destroy();
            return;
          }
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
    } catch {
      // Node refuses header values with control characters before anything is sent.
      resolve('unsendable');
      return;
    }
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 15 s')));
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

/** What the documentation promises for an answer at each door; returns the broken promise, if any. */
function checkAnswer(req: FuzzRequest, answer: Answer): string | undefined {
  const type = String(answer.headers['content-type'] ?? '');
  const parse = (): any => {
    try {
      return JSON.parse(answer.body.toString('utf8'));
    } catch {
      return undefined;
    }
  };
  if (answer.status >= 500) return `${answer.status}`;
  if (req.door === 'mcp') {
    if (!MCP_STATUSES.has(answer.status)) return `undocumented status ${answer.status}`;
    if (answer.status === 401 && !/^Bearer /.test(String(answer.headers['www-authenticate'] ?? '')))
      return '401 without WWW-Authenticate: Bearer';
    // Every refusal on /mcp is a JSON-RPC error, except a head too large for Node's parser (no app involved).
    if (answer.status >= 400 && answer.status !== 431) {
      const body = parse();
      if (body?.jsonrpc !== '2.0' || typeof body?.error?.code !== 'number' || typeof body?.error?.message !== 'string')
        return `error answer is not a JSON-RPC error: ${answer.body.toString('utf8').slice(0, 200)}`;
    }
    return undefined;
  }
  if (req.door === 'admin') {
    if (!ADMIN_STATUSES.has(answer.status)) return `undocumented status ${answer.status}`;
    if (answer.status >= 400) {
      const body = parse();
      if (!type.includes('application/problem+json')) return `error answer is ${type}, not problem+json`;
      if (body?.status !== answer.status || typeof body?.code !== 'string' || typeof body?.title !== 'string')
        return `problem detail does not match: ${answer.body.toString('utf8').slice(0, 200)}`;
    }
    return undefined;
  }
  if (!OAUTH_STATUSES.has(answer.status)) return `undocumented status ${answer.status}`;
  const endpoint = req.path.split('?')[0] ?? '';
  if (['/token', '/revoke', '/register'].includes(endpoint) && answer.status >= 400 && answer.status !== 404) {
    const body = parse();
    // RFC 6749 §5.2 / RFC 7591 §3.2.2: a JSON object with an `error` code.
    if (!type.includes('json') || typeof body?.error !== 'string')
      return `OAuth error answer without an error code: ${answer.body.toString('utf8').slice(0, 200)}`;
  }
  return undefined;
}

/** Every stored key, grant and token: key → DUMP (hashes field by field, minus last-used bookkeeping). */
async function snapshotStore(redis: Redis): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const stored =
    /(^|:)(key|keyhash|keyretired|keys|oauth:client|oauth:clients|oauth:registration|oauth:code|oauth:family|oauth:signing-keys|google):/;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of keys) {
      if (!stored.test(key)) continue;
      const type = await redis.type(key);
      if (type === 'hash') {
        const fields = await redis.hgetall(key);
        for (const field of Object.keys(fields)) if (field.startsWith('last_used')) delete fields[field];
        out.set(key, JSON.stringify(Object.entries(fields).sort()));
      } else {
        out.set(key, (await redis.dumpBuffer(key))?.toString('base64') ?? '');
      }
    }
  } while (cursor !== '0');
  return out;
}

export async function runGatewayFuzz(options: { runs: number; seed?: number }): Promise<FuzzReport> {
  const seed = options.seed ?? 42;
  const started = Date.now();
  const redisServer = await startRedisServer();
  const upstream = await startEchoUpstream({ name: 'echo' });
  const gateway = await startGateway(
    baseEnv([{ name: 'echo', url: upstream.url }], {
      REDIS_URL: redisServer.url,
      // The fuzzer is not here to measure limits: generous ones, so most requests reach the code behind them.
      GATEWAY_DEFAULT_LIMITS: JSON.stringify({ key: { limit: 1_000_000, window_s: 60, burst: 100_000 } }),
    }),
  );
  const redis = createRedis(redisServer.url, 'fuzz-inspector');
  const report: FuzzReport = {
    runs: options.runs,
    seed,
    byDoor: {},
    byStatus: {},
    unsendable: 0,
    violations: [],
    violationCount: 0,
    storeKeysCompared: 0,
    storeChanges: [],
    durationMs: 0,
  };
  try {
    const key = await gateway.createKey(['*']);
    // A second key nobody uses: its record must not move at all.
    await gateway.createKey(['echo_*']);
    const init = await fetch(gateway.mcpUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
      }),
    });
    await init.body?.cancel();
    const sessionId = init.headers.get('mcp-session-id') ?? 'no-session';
    const before = await snapshotStore(redis);
    report.storeKeysCompared = before.size;
    const publicBase = new URL(gateway.mcpUrl.origin);
    const adminBase = new URL(gateway.adminUrl);
    const created = new Set<string>();

    await fc.assert(
      fc.asyncProperty(generators({ apiKey: key.token, sessionId, keyId: key.id }), async (req) => {
        report.byDoor[req.door] = (report.byDoor[req.door] ?? 0) + 1;
        let answer: Answer | 'unsendable';
        try {
          answer = await send(req.door === 'admin' ? adminBase : publicBase, req);
        } catch (error) {
          answer = { status: -1, headers: {}, body: Buffer.from(String(error)) };
        }
        if (answer === 'unsendable') {
          report.unsendable++;
          return;
        }
        report.byStatus[answer.status] = (report.byStatus[answer.status] ?? 0) + 1;
        if (answer.status === 201) created.add(req.path);
        const broken = answer.status === -1 ? `no answer: ${answer.body.toString()}` : checkAnswer(req, answer);
        if (broken !== undefined) {
          report.violationCount++;
          if (report.violations.length < 10) {
            const shown = (req.body ?? Buffer.alloc(0)).toString('utf8').slice(0, 160);
            report.violations.push(
              `${req.method} ${req.path.slice(0, 120)} ${JSON.stringify(req.headers)} ${shown} → ${broken}`,
            );
          }
        }
      }),
      // Violations are collected, not thrown, so one run reports all of them (and the store check still runs).
      { numRuns: options.runs, seed, endOnFailure: true },
    );

    const after = await snapshotStore(redis);
    for (const [name, value] of before) {
      if (!after.has(name)) report.storeChanges.push(`${name} vanished`);
      else if (after.get(name) !== value) report.storeChanges.push(`${name} changed`);
    }
    // New keys only where an answer said something was created (a registration, a key, an OAuth client).
    const newKeys = [...after.keys()].filter((name) => !before.has(name));
    const explained = (name: string) =>
      (created.has('/register') && /oauth:(client|registration):/.test(name)) ||
      ([...created].some((p) => p.startsWith('/admin/v1/keys')) && /(^|:)(key|keyhash|keys):/.test(name)) ||
      ([...created].some((p) => p.startsWith('/admin/v1/oauth/clients')) && /oauth:(client|clients):/.test(name));
    for (const name of newKeys) if (!explained(name)) report.storeChanges.push(`${name} appeared`);
    const health = await fetch(new URL('/healthz', publicBase));
    if (health.status !== 200) report.violations.push(`/healthz answered ${health.status} after the run`);
  } finally {
    report.durationMs = Date.now() - started;
    await gateway.close();
    await upstream.close();
    await closeRedis(redis);
    await redisServer.stop();
  }
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' } } });
  const report = await runGatewayFuzz({
    runs: Number(values.runs),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
  });
  console.log(JSON.stringify(report, null, 2));
  process.exit(report.violationCount === 0 && report.storeChanges.length === 0 ? 0 : 1);
}
