import { readFileSync } from 'node:fs';
import { SwitchboardError } from '@switchboard/errors';
import { z } from 'zod';
import { LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSION } from './json-rpc.ts';

/**
 * `GATEWAY_UPSTREAMS`: which MCP servers the gateway puts behind its URL. An upstream is a transport
 * (Streamable HTTP, the deprecated HTTP+SSE, or a stdio command the gateway supervises) plus credentials.
 * Secrets never appear in the JSON: a header, bearer token or client secret names the environment variable
 * that holds it (`{"env": "BLOTATO_API_KEY"}`), resolved once at start.
 */
const envRef = z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') });
/** A plain string is for values that are not secret (a client name, a feature flag). */
const valueOrEnv = z.union([z.string(), envRef]);
export type ValueOrEnv = z.infer<typeof valueOrEnv>;

const authSchema = z
  .union([
    /** Our own tool servers: a short-lived JWT naming the caller (the default, for compatibility). */
    z.literal('caller-assertion'),
    z.literal('none'),
    z.strictObject({ bearer: envRef }),
    z.strictObject({
      oauth_client_credentials: z.strictObject({
        token_url: z.url(),
        client_id: valueOrEnv,
        client_secret: envRef,
        scope: z.string().optional(),
        /** RFC 8707 resource indicator, when the authorization server wants one. */
        resource: z.string().optional(),
      }),
    }),
  ])
  .default('caller-assertion');
export type UpstreamAuth = z.infer<typeof authSchema>;

const protocolSchema = z.enum(['auto', MODERN_PROTOCOL_VERSION, ...LEGACY_PROTOCOL_VERSIONS]).default('auto');

const common = {
  /** Namespace: tools appear as `<name>_<tool>`. */
  name: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/, 'letters, digits and dashes, at most 32'),
  /** `false` exposes names unprefixed (a single upstream, or the conformance fixture). */
  prefix: z.boolean().default(true),
  /** Per-call timeout for this upstream. */
  timeout_ms: z.number().int().positive().optional(),
  /** The upstream serves a browser "connect your account" flow the gateway exposes at /connect/<name>/. */
  connect: z.boolean().default(false),
  /** `auto` probes `server/discover` (2026-07-28) and falls back to `initialize`; a version pins it. */
  protocol: protocolSchema,
};

const overHttp = {
  ...common,
  url: z.url(),
  auth: authSchema,
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), valueOrEnv).default({}),
};

const httpSchema = z.strictObject({ ...overHttp, transport: z.literal('streamable-http').default('streamable-http') });

/** The deprecated HTTP+SSE transport (2024-11-05): `url` is the GET stream, which names the POST endpoint. */
const sseSchema = z.strictObject({ ...overHttp, transport: z.literal('sse') });

const stdioSchema = z.strictObject({
  ...common,
  transport: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Variables for the child; the gateway's own environment is not passed on (it holds the gateway's secrets). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name'), valueOrEnv).default({}),
  cwd: z.string().optional(),
});

const upstreamSchema = z.union([httpSchema, sseSchema, stdioSchema]);
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type HttpUpstreamConfig = z.infer<typeof httpSchema> | z.infer<typeof sseSchema>;
export type StdioUpstreamConfig = z.infer<typeof stdioSchema>;

/**
 * One configured upstream after validation: its config, the environment it may read its secrets from, and
 * the problems that keep it from starting. A problem with one entry never stops the gateway: that upstream is
 * reported (at start and on `/readyz`) and its tools answer with the problem; the others serve.
 */
export interface ConfiguredUpstream {
  config: UpstreamConfig;
  problems: string[];
  /** Looks up a named secret (`{"env": …}` references); only variables the config names are ever read. */
  secret: (name: string) => string | undefined;
}

export const defaultUpstreams: UpstreamConfig[] = ['blotato', 'gmail', 'drive'].map((name, i) =>
  httpSchema.parse({ name, url: `http://127.0.0.1:${8101 + i}/mcp`, connect: name !== 'blotato' }),
);

/**
 * Parses `GATEWAY_UPSTREAMS`: a JSON array, or a path to a file holding one; unset = the three built-in
 * servers. A value that is not a JSON array is fatal (nothing can be served from it); a bad entry is not.
 */
export function parseUpstreams(value: string | undefined, environment: NodeJS.ProcessEnv = {}): ConfiguredUpstream[] {
  const secret = (name: string) => environment[name];
  if (value === undefined) return defaultUpstreams.map((config) => ({ config, problems: [], secret }));
  let json: unknown;
  try {
    const text = value.trimStart().startsWith('[') ? value : readFileSync(value, 'utf8');
    json = JSON.parse(text);
  } catch {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      'GATEWAY_UPSTREAMS is neither a JSON array nor a readable JSON file.',
    );
  }
  if (!Array.isArray(json)) throw new SwitchboardError('VALIDATION_FAILED', 'GATEWAY_UPSTREAMS must be a JSON array.');

  const seen = new Set<string>();
  return json.map((entry, i): ConfiguredUpstream => {
    const rawName = isRecord(entry) ? entry['name'] : undefined;
    const fallbackName =
      typeof rawName === 'string' && /^[a-zA-Z0-9-]{1,32}$/.test(rawName) ? rawName : `upstream-${i + 1}`;
    const transport = isRecord(entry) ? (entry['transport'] ?? 'streamable-http') : undefined;
    if (transport !== undefined && !TRANSPORTS.includes(String(transport))) {
      return unusable(
        fallbackName,
        [
          `GATEWAY_UPSTREAMS[${i}].transport must be one of ${TRANSPORTS.join(', ')} (got ${JSON.stringify(transport)})`,
        ],
        secret,
      );
    }
    const parsed = upstreamSchema.safeParse(isRecord(entry) ? { ...entry, transport } : entry);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`);
      return unusable(fallbackName, [`GATEWAY_UPSTREAMS[${i}] is invalid: ${detail.join('; ')}`], secret);
    }
    const config = parsed.data;
    if (seen.has(config.name))
      return unusable(`${config.name}-${i + 1}`, [`duplicate upstream name "${config.name}"`], secret);
    seen.add(config.name);
    const missing = referencedVariables(config).filter((name) => !environment[name]);
    const problems = missing.map((name) => `environment variable ${name} is not set`);
    return { config, problems, secret };
  });
}

/** Every environment variable an upstream's config refers to (for validation and error messages). */
export function referencedVariables(config: UpstreamConfig): string[] {
  const names: string[] = [];
  const add = (value: ValueOrEnv | undefined) => {
    if (value !== undefined && typeof value !== 'string') names.push(value.env);
  };
  if (config.transport === 'stdio') Object.values(config.env).forEach(add);
  else {
    Object.values(config.headers).forEach(add);
    if (typeof config.auth === 'object' && 'bearer' in config.auth) add(config.auth.bearer);
    if (typeof config.auth === 'object' && 'oauth_client_credentials' in config.auth) {
      add(config.auth.oauth_client_credentials.client_id);
      add(config.auth.oauth_client_credentials.client_secret);
    }
  }
  return names;
}

const TRANSPORTS = ['streamable-http', 'sse', 'stdio'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unusable(name: string, problems: string[], secret: ConfiguredUpstream['secret']): ConfiguredUpstream {
  // A stand-in config so the upstream can be listed and reported; it is never contacted.
  return { config: httpSchema.parse({ name, url: 'http://127.0.0.1:9/unusable' }), problems, secret };
}
