import { env, loadConfig } from '@switchboard/config';
import { z } from 'zod';
import { keyLimitsSchema } from './keys/key-limits.ts';
import { DEFAULT_ADDRESS_LIMITS } from './oauth/address-limits.ts';
import { trustProxyField } from './trust-proxy.ts';
import { type ConfiguredUpstream, parseUpstreams } from './upstreams/upstream-config.ts';

/**
 * The gateway's configuration, read once from the environment (README "Configuration" lists the same
 * variables). Names in DESIGN.md's configuration contract are fixed; the rest are ours.
 */
const schema = z.object({
  /** Redis for keys, limits, sessions, events; unset = in-memory, single process. */
  REDIS_URL: env.optionalString(),
  /** Public MCP listener. */
  GATEWAY_PORT: env.port(8080),
  GATEWAY_HOST: env.host(),
  /** Admin REST listener (kept off the public port). */
  GATEWAY_ADMIN_PORT: env.port(8081),
  GATEWAY_ADMIN_HOST: env.host(),
  /** Bootstrap admin bearer token; generated and printed at first start when unset. */
  GATEWAY_ADMIN_TOKEN: env.optionalString(),
  /** External URL: OAuth metadata, the printed connector URL, allowed Host/Origin. */
  GATEWAY_PUBLIC_URL: env.url('http://localhost:8080'),
  /** Upstream MCP servers: JSON array or a path to a JSON file. */
  GATEWAY_UPSTREAMS: env.optionalString(),
  /**
   * Secrets that seal legacy session ids (JWE). Comma-separated; the first seals, all open, so a secret can
   * be rotated. Every replica needs the same list. Generated per process when unset (single process only).
   */
  GATEWAY_SESSION_SECRET: env.assertionSecrets(),
  /** Lifetime of a legacy session id; a client whose session expired gets 404 and re-initializes. */
  GATEWAY_SESSION_TTL_S: env.positiveInt(24 * 3600),
  /** Extra hostnames (besides the public URL's and loopback) accepted in Host and Origin. */
  GATEWAY_ALLOWED_HOSTS: env.commaList(),
  /** Largest accepted /mcp request body. */
  GATEWAY_BODY_LIMIT_BYTES: env.positiveInt(4 * 1024 * 1024),
  /** How long a tools/call may run upstream (Claude allows 300 s). */
  GATEWAY_CALL_TIMEOUT_MS: env.positiveInt(330_000),
  /** Replica count, used to split limits when Redis is down and each replica limits alone. */
  GATEWAY_REPLICAS: env.positiveInt(1),
  /** `fallback` (default): per-replica in-memory limits while Redis is down; `closed`: refuse. */
  GATEWAY_RATE_LIMIT_FAIL_MODE: env.oneOf(['fallback', 'closed'], 'fallback'),
  /**
   * Limits for keys that set none, in the admin API's `limits` shape (JSON). A key's own `key`, `upstreams`
   * and `tools` entries take precedence over these.
   */
  GATEWAY_DEFAULT_LIMITS: env.json(
    keyLimitsSchema.default({
      key: { limit: 600, window_s: 60, burst: 100 },
      tools: [{ pattern: 'blotato_publish_*', limit: 20, window_s: 60, cost: 1 }],
    }),
  ),
  /** Set to false to measure the gateway without per-key limits (benchmarks). */
  GATEWAY_RATE_LIMITS_ENABLED: env.boolean(true),
  /**
   * OAuth access-token signing keys: a private JWK, a JWK Set (`{"keys":[…]}`: the first private key signs,
   * every key verifies, so a new key can be rolled in and an old one kept public-only until its tokens
   * expire), or PKCS8 PEM blocks (the first signs). Unset: a P-256 key is generated once and kept in Redis
   * (every replica signs alike) or in memory (single process).
   */
  GATEWAY_OAUTH_SIGNING_KEY: env.optionalString(),
  /** Lifetime of an OAuth access token (a JWT; revocation of its key still applies at once). */
  GATEWAY_OAUTH_ACCESS_TOKEN_TTL_S: env.positiveInt(900),
  /** Lifetime of a refresh token; every refresh issues a new one (rotation). */
  GATEWAY_OAUTH_REFRESH_TOKEN_TTL_S: env.positiveInt(30 * 86_400),
  /** Dynamically registered OAuth clients unused for this long are deleted (clients register on every connect). */
  GATEWAY_OAUTH_CLIENT_IDLE_TTL_S: env.positiveInt(30 * 86_400),
  /**
   * Hosts (`host` or `host:port`) whose client ID metadata documents may be fetched although they resolve to
   * private, loopback or link-local addresses (an internal client, a test). Empty in production: such
   * documents are refused (SSRF protection).
   */
  GATEWAY_OAUTH_CIMD_ALLOWED_HOSTS: env.commaList(),
  /** PEM file of extra CA certificates trusted when fetching client ID metadata documents (internal PKI, tests). */
  GATEWAY_OAUTH_CIMD_CA_FILE: env.optionalString(),
  /**
   * Requests per minute and client address on the credential-free OAuth endpoints (JSON, any of
   * `register`, `token`, `authorize`, `revoke`); the rest keep their defaults.
   */
  GATEWAY_OAUTH_ADDRESS_LIMITS: env.json(
    z
      .strictObject({
        register: z.number().int().positive(),
        token: z.number().int().positive(),
        authorize: z.number().int().positive(),
        revoke: z.number().int().positive(),
      })
      .partial()
      .default({})
      .transform((given) => ({ ...DEFAULT_ADDRESS_LIMITS, ...given })),
  ),
  /**
   * Which peers may say who the client is (X-Forwarded-For, -Proto, -Host). The default trusts proxies on
   * private networks (a compose network, a cluster), so a client reaching the gateway directly cannot choose
   * the address its limits and audit entries are kept under.
   */
  GATEWAY_TRUST_PROXY: trustProxyField(),
  /** Signs caller assertions for the tool servers; same value on every tool server. */
  CALLER_ASSERTION_SECRET: env.assertionSecrets(),
  LOG_LEVEL: env.logLevel(),
});

/** Variables a stdio upstream's child inherits from the gateway (the rest of its environment holds secrets). */
const CHILD_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'NODE_EXTRA_CA_CERTS'];

export type GatewayConfig = z.infer<typeof schema> & {
  /** `GATEWAY_UPSTREAMS`, each entry validated on its own (a bad one is reported, not fatal). */
  upstreams: ConfiguredUpstream[];
  childEnv: Record<string, string>;
};

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(schema, source);
  const childEnv: Record<string, string> = {};
  for (const name of CHILD_ENV) {
    const value = source[name];
    if (value !== undefined) childEnv[name] = value;
  }
  return { ...config, upstreams: parseUpstreams(config.GATEWAY_UPSTREAMS, source), childEnv };
}
