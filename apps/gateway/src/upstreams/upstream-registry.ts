import { EventEmitter } from 'node:events';
import { isObject } from './json-rpc.ts';
import { exposedName } from './namespacing.ts';
import { ReconnectBackoff } from './reconnect-backoff.ts';
import type { ConfiguredUpstream } from './upstream-config.ts';
import { UpstreamConnection, type UpstreamConnectionDeps } from './upstream-connection.ts';

export interface CatalogEntry {
  upstream: UpstreamConnection;
  /** The name the upstream knows. */
  original: string;
  /** The definition as the upstream sent it, with only `name` replaced. */
  definition: Record<string, unknown>;
}

interface UpstreamLists {
  tools: Record<string, unknown>[];
  prompts: Record<string, unknown>[];
  resources: Record<string, unknown>[];
  templates: Record<string, unknown>[];
}

export type CatalogKind = 'tools' | 'prompts' | 'resources';

/**
 * Every upstream, their cached lists, and the aggregated catalog under exposed names.
 *
 * Each replica watches every upstream itself (2026-07-28: a `subscriptions/listen` stream; 2025 era: the
 * session's notifications), so an upstream's list change needs no cross-replica messaging. Lists are
 * refreshed on `list_changed`, on expiry, and when an upstream comes back (a reconnect renegotiates); a
 * `tools/list` from a client is served from this cache and never fans out.
 * Emits `changed` with the kind ('tools' | 'prompts' | 'resources') when the aggregated view changes, and
 * `resource-updated` with the URI when an upstream says a resource changed.
 */
export class UpstreamRegistry extends EventEmitter {
  readonly upstreams: UpstreamConnection[];
  tools = new Map<string, CatalogEntry>();
  prompts = new Map<string, CatalogEntry>();
  resources: { upstream: UpstreamConnection; definition: Record<string, unknown> }[] = [];
  templates: { upstream: UpstreamConnection; definition: Record<string, unknown>; pattern: RegExp }[] = [];
  readonly #lists = new Map<string, UpstreamLists>();
  readonly #abort = new AbortController();
  readonly #refreshMs: number;

  constructor(configs: ConfiguredUpstream[], deps: UpstreamConnectionDeps & { refreshMs?: number }) {
    super();
    this.upstreams = configs.map((config) => new UpstreamConnection(config, deps));
    this.#refreshMs = deps.refreshMs ?? 5 * 60_000;
  }

  byName(name: string): UpstreamConnection | undefined {
    return this.upstreams.find((u) => u.name === name);
  }

  /**
   * Starts watching every upstream. Resolves once each has answered or failed, or after `startupWaitMs`,
   * whichever is first: a dead or hanging upstream never holds up the gateway's start (its tools appear
   * when it answers).
   */
  async start(startupWaitMs = 3000): Promise<void> {
    const usable = this.upstreams.filter((u) => u.problems.length === 0);
    const first = Promise.all(usable.map((u) => this.#refresh(u, true)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([first, new Promise<void>((resolve) => (timer = setTimeout(resolve, startupWaitMs)))]);
    clearTimeout(timer);
    for (const upstream of usable) void this.#watch(upstream);
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.all(this.upstreams.map((u) => u.close()));
  }

  /** The owner of a resource URI: an exact listed resource, else a matching template, else the only
   * upstream that lists resources with that scheme. */
  resourceOwner(uri: string): UpstreamConnection | undefined {
    const exact = this.resources.find((r) => r.definition['uri'] === uri);
    if (exact !== undefined) return exact.upstream;
    const template = this.templates.find((t) => t.pattern.test(uri));
    if (template !== undefined) return template.upstream;
    const scheme = uri.split(':', 1)[0];
    const owners = new Set(
      [...this.resources, ...this.templates]
        .filter((r) => String(r.definition['uri'] ?? r.definition['uriTemplate'] ?? '').startsWith(`${scheme}:`))
        .map((r) => r.upstream),
    );
    return owners.size === 1 ? [...owners][0] : undefined;
  }

  /** Reads an upstream's lists again; `reconnect` renegotiates first (start, or after the link ended). */
  async #refresh(upstream: UpstreamConnection, reconnect = false): Promise<boolean> {
    try {
      const caps = reconnect ? (await upstream.connect()).capabilities : (upstream.server?.capabilities ?? {});
      const lists: UpstreamLists = {
        tools: caps['tools'] === undefined ? [] : await upstream.listAll('tools/list', 'tools'),
        prompts: caps['prompts'] === undefined ? [] : await upstream.listAll('prompts/list', 'prompts'),
        resources: caps['resources'] === undefined ? [] : await upstream.listAll('resources/list', 'resources'),
        templates:
          caps['resources'] === undefined
            ? []
            : await upstream.listAll('resources/templates/list', 'resourceTemplates'),
      };
      this.#lists.set(upstream.name, lists);
      upstream.state = 'ready';
      upstream.lastError = undefined;
      this.#rebuild();
      return true;
    } catch (error) {
      upstream.state = 'down';
      upstream.lastError = error instanceof Error ? error.message : String(error);
      return false;
    }
  }

  /**
   * Keeps one upstream's lists fresh: watch its notifications; when the link ends (upstream restarted, stdio
   * child exited), reconnect and read the lists again, paced by ReconnectBackoff (never a tight loop).
   */
  async #watch(upstream: UpstreamConnection): Promise<void> {
    const signal = this.#abort.signal;
    const backoff = new ReconnectBackoff();
    let connected = upstream.state === 'ready';
    while (!signal.aborted) {
      if (!connected) {
        connected = await this.#refresh(upstream, true);
        if (!connected) {
          await backoff.failed(signal);
          continue;
        }
      }
      const expiry = AbortSignal.any([signal, AbortSignal.timeout(this.#refreshMs)]);
      backoff.opened();
      try {
        await upstream.watch((method, params) => this.#onNotification(upstream, method, params), expiry);
        if (signal.aborted) return;
        if (expiry.aborted) {
          // Expiry: read the lists again on the same link.
          await this.#refresh(upstream);
          backoff.succeeded();
          continue;
        }
      } catch {
        if (signal.aborted) return;
        upstream.state = 'down';
      }
      // The link ended or its stream failed: renegotiate.
      connected = false;
      await backoff.ended(signal);
    }
  }

  #onNotification(upstream: UpstreamConnection, method: string, params: unknown): void {
    if (method.endsWith('/list_changed')) void this.#refresh(upstream);
    else if (method === 'notifications/resources/updated' && isObject(params) && typeof params['uri'] === 'string') {
      this.emit('resource-updated', params['uri'], upstream);
    }
  }

  #rebuild(): void {
    const before = {
      tools: signature(this.tools),
      prompts: signature(this.prompts),
      resources:
        JSON.stringify(this.resources.map((r) => r.definition)) +
        JSON.stringify(this.templates.map((t) => t.definition)),
    };
    const tools = new Map<string, CatalogEntry>();
    const prompts = new Map<string, CatalogEntry>();
    const resources: typeof this.resources = [];
    const templates: typeof this.templates = [];
    for (const upstream of this.upstreams) {
      const lists = this.#lists.get(upstream.name);
      if (lists === undefined) continue;
      addNamed(tools, upstream, lists.tools);
      addNamed(prompts, upstream, lists.prompts);
      for (const definition of lists.resources) resources.push({ upstream, definition });
      for (const definition of lists.templates) {
        const template = definition['uriTemplate'];
        if (typeof template === 'string') templates.push({ upstream, definition, pattern: templatePattern(template) });
      }
    }
    this.tools = tools;
    this.prompts = prompts;
    this.resources = resources;
    this.templates = templates;
    if (signature(tools) !== before.tools) this.emit('changed', 'tools');
    if (signature(prompts) !== before.prompts) this.emit('changed', 'prompts');
    const after =
      JSON.stringify(resources.map((r) => r.definition)) + JSON.stringify(templates.map((t) => t.definition));
    if (after !== before.resources) this.emit('changed', 'resources');
  }
}

function addNamed(target: Map<string, CatalogEntry>, upstream: UpstreamConnection, items: Record<string, unknown>[]) {
  const taken = new Set(target.keys());
  for (const item of items) {
    const original = item['name'];
    if (typeof original !== 'string') continue;
    const name = exposedName(upstream.name, upstream.config.prefix, original, taken);
    taken.add(name);
    // Clients reject tools and prompts without a description (conformance checks it too).
    const description =
      typeof item['description'] === 'string' && item['description'] !== ''
        ? {}
        : { description: String(item['title'] ?? original) };
    target.set(name, { upstream, original, definition: { ...item, ...description, name } });
  }
}

function signature(map: Map<string, CatalogEntry>): string {
  return JSON.stringify([...map.values()].map((e) => e.definition));
}

/** RFC 6570 level-1 templates (`{var}`) as a matching pattern; enough to route a URI to its owner. */
function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]*\\?\}/g, '[^/]+');
  return new RegExp(`^${escaped.replace(/\{[^}]*\}/g, '[^/]+')}$`);
}
