import { Command, CommanderError, InvalidArgumentError } from 'commander';

export interface AdminCliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  fetch?: typeof fetch;
}

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8081';

const ALLOW_UNKNOWN_HELP = 'accept scopes that match no configured upstream (for one not configured yet)';

/**
 * The admin listener's origin from SWITCHBOARD_ADMIN_URL. Both `http://host:8081` and the `admin API` line
 * `npm start` prints (`http://host:8081/admin/v1`) are accepted, so copying either works.
 */
export function adminBaseUrl(configured: string | undefined): string {
  const url = (configured === undefined || configured === '' ? DEFAULT_ADMIN_URL : configured).replace(/\/+$/, '');
  return url.replace(/\/admin\/v1$/, '');
}

/** Exit codes: 0 done, 1 the admin API refused or could not be reached, 2 bad usage or configuration. */
const EXIT_API = 1;
const EXIT_USAGE = 2;

class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

interface KeyView {
  id: string;
  name: string;
  owner: string;
  status: string;
  prefix: string;
  scopes: string[];
  last_used_at: string | null;
  expires_at: string | null;
  token?: string;
}

/**
 * The admin CLI as a function of its arguments and environment, so tests run it in-process against a real
 * admin app. `admin-cli.ts` is the executable wrapper.
 */
export async function runAdminCli(argv: readonly string[], io: AdminCliIo): Promise<number> {
  const doFetch = io.fetch ?? fetch;
  const baseUrl = adminBaseUrl(io.env['SWITCHBOARD_ADMIN_URL']);

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const token = io.env['SWITCHBOARD_ADMIN_TOKEN'];
    if (token === undefined || token === '') {
      throw new CliFailure('Set SWITCHBOARD_ADMIN_TOKEN to the admin token (or an admin-scoped API key).', EXIT_USAGE);
    }
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}/admin/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      const reason =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new CliFailure(`Cannot reach the admin API at ${baseUrl}: ${reason}`, EXIT_API);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      // The problem detail (RFC 9457) as the API sent it: code, detail and any validation issues.
      throw new CliFailure(
        parsed === undefined ? `HTTP ${response.status}: ${text.slice(0, 500)}` : JSON.stringify(parsed, null, 2),
        EXIT_API,
      );
    }
    return parsed;
  };

  const print = (value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);

  const program = new Command('switchboard-admin')
    .description('Manage Switchboard team API keys through the admin API.')
    .addHelpText(
      'after',
      `\nEnvironment:\n  SWITCHBOARD_ADMIN_URL    admin listener, with or without /admin/v1 (default ${DEFAULT_ADMIN_URL})\n  SWITCHBOARD_ADMIN_TOKEN  admin token or admin-scoped API key`,
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const keys = program.command('keys').description('Create, list, change, rotate and revoke API keys.');

  keys
    .command('create')
    .description('Create a key; prints it with its token, which is shown only this once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "alice laptop"')
    .option('--owner <owner>', 'who holds it (free text, e.g. an email address)')
    .option(
      '--scopes <list>',
      'comma-separated tool/upstream globs, e.g. "gmail_*,drive_*"; "admin" for the admin API',
      parseList,
      [],
    )
    .option('--limits <json>', 'limits as JSON, e.g. \'{"key":{"limit":100,"window_s":60}}\'', parseJsonOption)
    .option('--expires-at <time>', 'ISO 8601 expiry, e.g. 2026-12-31T00:00:00Z')
    .option('--allow-unknown-scopes', ALLOW_UNKNOWN_HELP)
    .action(
      async (options: {
        name: string;
        owner?: string;
        scopes: string[];
        limits?: unknown;
        expiresAt?: string;
        allowUnknownScopes?: boolean;
      }) => {
        const created = (await api('POST', '/keys', {
          name: options.name,
          scopes: options.scopes,
          ...(options.allowUnknownScopes === true ? { allow_unknown_scopes: true } : {}),
          ...(options.owner === undefined ? {} : { owner: options.owner }),
          ...(options.limits === undefined ? {} : { limits: options.limits }),
          ...(options.expiresAt === undefined ? {} : { expires_at: options.expiresAt }),
        })) as KeyView;
        print(created);
        io.stderr('Store the token now: it cannot be shown again.\n');
      },
    );

  keys
    .command('list')
    .description('List keys (a table; --json for JSON)')
    .option('--status <status>', 'active, revoked or expired')
    .option('--owner <owner>', 'only keys of this owner')
    .option('--limit <n>', 'page size (1-100)', parsePositiveInt)
    .option('--cursor <cursor>', 'next_cursor of a previous page')
    .option('--all', 'follow next_cursor to the end')
    .option('--json', 'print JSON')
    .action(
      async (options: {
        status?: string;
        owner?: string;
        limit?: number;
        cursor?: string;
        all?: boolean;
        json?: boolean;
      }) => {
        const items: KeyView[] = [];
        let cursor = options.cursor;
        let next: string | null = null;
        do {
          const query = new URLSearchParams();
          if (options.status !== undefined) query.set('status', options.status);
          if (options.owner !== undefined) query.set('owner', options.owner);
          if (options.limit !== undefined) query.set('limit', String(options.limit));
          if (cursor !== undefined) query.set('cursor', cursor);
          const qs = query.size > 0 ? `?${query}` : '';
          const page = (await api('GET', `/keys${qs}`)) as { items: KeyView[]; next_cursor: string | null };
          items.push(...page.items);
          next = page.next_cursor;
          cursor = next ?? undefined;
        } while (options.all === true && next !== null);
        if (options.json === true) {
          print({ items, next_cursor: next });
          return;
        }
        io.stdout(
          table(
            ['ID', 'NAME', 'OWNER', 'STATUS', 'PREFIX', 'SCOPES', 'LAST USED', 'EXPIRES'],
            items.map((k) => [
              k.id,
              k.name,
              k.owner,
              k.status,
              k.prefix,
              k.scopes.join(','),
              k.last_used_at ?? '-',
              k.expires_at ?? '-',
            ]),
          ),
        );
        if (next !== null) io.stderr(`More keys: --cursor ${next} (or --all)\n`);
      },
    );

  keys
    .command('get')
    .description('Show one key')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => print(await api('GET', `/keys/${encodeURIComponent(id)}`)));

  keys
    .command('update')
    .description('Change name, owner, scopes, limits or expiry')
    .argument('<id>', 'key id (key_…)')
    .option('--name <name>')
    .option('--owner <owner>')
    .option('--scopes <list>', 'comma-separated globs (replaces the current list)', parseList)
    .option('--limits <json>', 'limits as JSON (replaces the current limits)', parseJsonOption)
    .option('--expires-at <time>', 'ISO 8601 expiry')
    .option('--no-expiry', 'remove the expiry')
    .option('--allow-unknown-scopes', ALLOW_UNKNOWN_HELP)
    .action(
      async (
        id: string,
        options: {
          name?: string;
          owner?: string;
          scopes?: string[];
          limits?: unknown;
          expiresAt?: string;
          expiry: boolean;
          allowUnknownScopes?: boolean;
        },
      ) => {
        const body: Record<string, unknown> = {};
        if (options.name !== undefined) body['name'] = options.name;
        if (options.owner !== undefined) body['owner'] = options.owner;
        if (options.scopes !== undefined) body['scopes'] = options.scopes;
        if (options.limits !== undefined) body['limits'] = options.limits;
        if (options.expiresAt !== undefined) body['expires_at'] = options.expiresAt;
        if (!options.expiry) body['expires_at'] = null;
        if (options.allowUnknownScopes === true) body['allow_unknown_scopes'] = true;
        print(await api('PATCH', `/keys/${encodeURIComponent(id)}`, body));
      },
    );

  keys
    .command('rotate')
    .description('Issue a new token; the old one keeps working for the grace period, then stops')
    .argument('<id>', 'key id (key_…)')
    .option(
      '--grace <seconds>',
      'grace period of the old token in seconds (default 86400; 0 = stop it now)',
      parseNonNegativeInt,
    )
    .action(async (id: string, options: { grace?: number }) => {
      print(
        await api(
          'POST',
          `/keys/${encodeURIComponent(id)}/rotate`,
          options.grace === undefined ? {} : { grace_period_s: options.grace },
        ),
      );
      io.stderr('Store the new token now: it cannot be shown again.\n');
    });

  keys
    .command('revoke')
    .description('Revoke a key at once, on every gateway replica')
    .argument('<id>', 'key id (key_…)')
    .action(async (id: string) => print(await api('POST', `/keys/${encodeURIComponent(id)}/revoke`)));

  keys
    .command('usage')
    .description('Calls and refusals per tool over the last hour or day')
    .argument('<id>', 'key id (key_…)')
    .option('--window <window>', 'hour or day', 'hour')
    .action(async (id: string, options: { window: string }) =>
      print(await api('GET', `/keys/${encodeURIComponent(id)}/usage?window=${encodeURIComponent(options.window)}`)),
    );

  program
    .command('audit')
    .description('Recent admin actions and authentication events, newest first')
    .option('--limit <n>', 'entries (1-200)', parsePositiveInt)
    .option('--json', 'print JSON')
    .action(async (options: { limit?: number; json?: boolean }) => {
      const page = (await api('GET', `/audit${options.limit === undefined ? '' : `?limit=${options.limit}`}`)) as {
        items: {
          at: string;
          actor: string;
          action: string;
          target?: string;
          ip?: string;
          outcome: string;
          reason?: string;
        }[];
      };
      if (options.json === true) return print(page);
      io.stdout(
        table(
          ['AT', 'ACTOR', 'ACTION', 'TARGET', 'IP', 'OUTCOME'],
          page.items.map((e) => [
            e.at,
            e.actor,
            e.action,
            e.target ?? '-',
            e.ip ?? '-',
            e.reason ? `${e.outcome} (${e.reason})` : e.outcome,
          ]),
        ),
      );
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CliFailure) {
      io.stderr(`${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already printed its own message for usage errors.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
}

function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseJsonOption(value: string): unknown {
  const parsed = parseJson(value);
  if (parsed === undefined) throw new InvalidArgumentError('Not valid JSON.');
  return parsed;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Expected a positive integer.');
  return n;
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected a whole number of seconds (0 or more).');
  return n;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}
