import type { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { SwitchboardError } from '@switchboard/errors';
import { request } from 'undici';
import { z } from 'zod';
import type { UpstreamConnection } from '../upstreams/upstream-connection.ts';
import type { UpstreamRegistry } from '../upstreams/upstream-registry.ts';

/** What a tool server says about a key's linked account (`GET /internal/keys/:id/grant`). */
const grantReportSchema = z.object({
  linked: z.boolean(),
  mode: z.string().optional(),
  email: z.string().optional(),
  status: z.enum(['active', 'broken']).optional(),
  broken_reason: z.string().optional(),
  linked_at: z.string().optional(),
});

export interface LinkedAccount {
  upstream: string;
  /** null: the tool server could not be asked (see `error`). */
  linked: boolean | null;
  /** `per-caller`, `single-account` (one shared account, nothing per key) or `unconfigured`. */
  mode: string | null;
  email: string | null;
  status: 'active' | 'broken' | null;
  broken_reason: string | null;
  linked_at: string | null;
  error: string | null;
}

const TIMEOUT_MS = 5000;

/**
 * The accounts (Google, for our Gmail and Drive servers) a key linked on the upstreams configured with
 * `"connect": true`. The tool servers hold the grants; the gateway asks them over their `/internal/*`
 * routes with a caller assertion for that key, so a tool server answers about that key only.
 */
export class LinkedAccounts {
  readonly #registry: UpstreamRegistry;
  readonly #signer: CallerAssertionSigner;

  constructor(deps: { registry: UpstreamRegistry; signer: CallerAssertionSigner }) {
    this.#registry = deps.registry;
    this.#signer = deps.signer;
  }

  /** One entry per connect upstream; an unreachable tool server is an entry with an error, not a failure. */
  async list(keyId: string): Promise<LinkedAccount[]> {
    return Promise.all(
      connectUpstreams(this.#registry).map(async (upstream) => {
        try {
          const res = await request(internalUrl(upstream, keyId, 'grant'), {
            headers: await this.#headers(upstream, keyId),
            headersTimeout: TIMEOUT_MS,
            bodyTimeout: TIMEOUT_MS,
          });
          const text = await res.body.text();
          if (res.statusCode !== 200) return failed(upstream.name, `the server answered ${res.statusCode}`);
          const report = grantReportSchema.safeParse(safeJson(text));
          if (!report.success) return failed(upstream.name, 'the server does not report linked accounts');
          const r = report.data;
          return {
            upstream: upstream.name,
            linked: r.linked,
            mode: r.mode ?? null,
            email: r.email ?? null,
            status: r.status ?? null,
            broken_reason: r.broken_reason ?? null,
            linked_at: r.linked_at ?? null,
            error: null,
          };
        } catch {
          return failed(upstream.name, 'the server is unreachable');
        }
      }),
    );
  }

  /** Removes the key's account on that upstream; false when none was linked. The key itself stays. */
  async unlink(keyId: string, name: string): Promise<boolean> {
    const upstream = connectUpstreams(this.#registry).find((u) => u.name === name);
    if (upstream === undefined) {
      throw new SwitchboardError('NOT_FOUND', `No upstream ${name} with linked accounts ("connect": true).`);
    }
    const res = await request(internalUrl(upstream, keyId, 'grant'), {
      method: 'DELETE',
      headers: await this.#headers(upstream, keyId),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    }).catch((error: unknown) => {
      throw new SwitchboardError('UPSTREAM_UNAVAILABLE', `The ${name} server is unreachable; retry in a moment.`, {
        retryAfterS: 5,
        cause: error,
        context: { upstream: name },
      });
    });
    await res.body.dump();
    if (res.statusCode === 204) return true;
    if (res.statusCode === 404) return false;
    throw new SwitchboardError('UPSTREAM_ERROR', `The ${name} server refused to unlink (HTTP ${res.statusCode}).`, {
      context: { upstream: name, status: res.statusCode },
    });
  }

  async #headers(upstream: UpstreamConnection, keyId: string): Promise<Record<string, string>> {
    // No scopes: the assertion only names the key; it grants no tool.
    return { authorization: `Bearer ${await this.#signer.sign({ keyId, scopes: [] }, upstream.name)}` };
  }
}

/** Upstreams that hold per-key accounts: `"connect": true`, reachable over HTTP (a stdio child has no routes). */
export function connectUpstreams(registry: Pick<UpstreamRegistry, 'upstreams'>): UpstreamConnection[] {
  return registry.upstreams.filter((u) => u.config.connect && u.config.transport !== 'stdio');
}

/** `/internal/keys/<key id>/<what>` at the tool server's origin (beside its `/mcp`). */
export function internalUrl(upstream: UpstreamConnection, keyId: string, what: string): URL {
  if (upstream.config.transport === 'stdio') throw new Error(`${upstream.name} is a stdio upstream`);
  return new URL(`/internal/keys/${encodeURIComponent(keyId)}/${what}`, new URL(upstream.config.url).origin);
}

function failed(upstream: string, error: string): LinkedAccount {
  return {
    upstream,
    linked: null,
    mode: null,
    email: null,
    status: null,
    broken_reason: null,
    linked_at: null,
    error,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
