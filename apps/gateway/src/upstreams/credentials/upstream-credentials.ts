import type { Caller, CallerAssertionSigner } from '@switchboard/caller-assertion';
import type { ConfiguredUpstream, UpstreamAuth, ValueOrEnv } from '../upstream-config.ts';
import { OAuthClientCredentials } from './oauth-client-credentials.ts';

/**
 * What the gateway presents to one upstream. The values come from configuration and the environment, are
 * added to requests the gateway sends and nowhere else: they never reach a caller or a log line.
 */
export interface UpstreamCredentials {
  /** Headers for one request; `caller` is who the request is made for (the caller assertion names them). */
  headers(caller: Caller): Promise<Record<string, string>>;
  /** What an operator fixes when the upstream refuses these credentials (for UPSTREAM_AUTH errors). */
  readonly hint: string;
  /** Forget cached tokens after a 401; true when a fresh attempt may succeed. */
  invalidate(): boolean;
}

export function createCredentials(
  upstream: ConfiguredUpstream,
  deps: { signer: CallerAssertionSigner; fetch?: typeof fetch },
): UpstreamCredentials {
  const { config } = upstream;
  if (config.transport === 'stdio') return noCredentials('the command and env of the stdio upstream');
  const resolve = (value: ValueOrEnv) => (typeof value === 'string' ? value : (upstream.secret(value.env) ?? ''));
  const fixed = Object.fromEntries(
    Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), resolve(value)]),
  );
  const headerHint = Object.values(config.headers)
    .flatMap((value) => (typeof value === 'string' ? [] : [value.env]))
    .join(', ');
  const auth = authorization(config.name, config.auth, resolve, deps);
  const hint =
    [auth.hint, headerHint].filter((h) => h !== '').join(' and ') ||
    'the upstream needs credentials: set "auth" or "headers" for it in GATEWAY_UPSTREAMS';
  return {
    hint,
    async headers(caller) {
      const extra = await auth.headers(caller);
      return extra === undefined ? fixed : { ...fixed, ...extra };
    },
    invalidate: () => auth.invalidate(),
  };
}

interface Authorization {
  hint: string;
  headers(caller: Caller): Promise<Record<string, string> | undefined>;
  invalidate(): boolean;
}

function authorization(
  name: string,
  auth: UpstreamAuth,
  resolve: (value: ValueOrEnv) => string,
  deps: { signer: CallerAssertionSigner; fetch?: typeof fetch },
): Authorization {
  if (auth === 'none') return { hint: '', headers: async () => undefined, invalidate: () => false };
  if (auth === 'caller-assertion') {
    return {
      hint: 'CALLER_ASSERTION_SECRET (the same value on the gateway and the tool server), or "auth": "none" for a server that is not a Switchboard tool server',
      headers: async (caller) => ({ authorization: `Bearer ${await deps.signer.sign(caller, name)}` }),
      invalidate: () => false,
    };
  }
  if ('bearer' in auth) {
    const header = { authorization: `Bearer ${resolve(auth.bearer)}` };
    return { hint: auth.bearer.env, headers: async () => header, invalidate: () => false };
  }
  const settings = auth.oauth_client_credentials;
  const client = new OAuthClientCredentials({
    tokenUrl: settings.token_url,
    clientId: resolve(settings.client_id),
    clientSecret: resolve(settings.client_secret),
    ...(settings.scope === undefined ? {} : { scope: settings.scope }),
    ...(settings.resource === undefined ? {} : { resource: settings.resource }),
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const variables = [settings.client_id, settings.client_secret].flatMap((v) => (typeof v === 'string' ? [] : [v.env]));
  return {
    hint: `the OAuth client of ${settings.token_url} (${variables.join(', ')})`,
    headers: async () => ({ authorization: `Bearer ${await client.token()}` }),
    invalidate: () => client.invalidate(),
  };
}

function noCredentials(hint: string): UpstreamCredentials {
  const none = {};
  return { hint, headers: async () => none, invalidate: () => false };
}
