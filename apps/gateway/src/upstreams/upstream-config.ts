import { readFileSync } from 'node:fs';
import { SwitchboardError } from '@switchboard/errors';
import { z } from 'zod';

const upstreamSchema = z
  .object({
    /** Namespace: tools appear as `<name>_<tool>`. */
    name: z.string().regex(/^[a-zA-Z0-9-]{1,32}$/, 'letters, digits and dashes, at most 32'),
    url: z.url(),
    /** `false` exposes names unprefixed (a single upstream, or the conformance fixture). */
    prefix: z.boolean().default(true),
    /** Per-call timeout for this upstream. */
    timeout_ms: z.number().int().positive().optional(),
    /** The upstream serves a browser "connect your account" flow the gateway exposes at /connect/<name>/. */
    connect: z.boolean().default(false),
  })
  .strict();

export type UpstreamConfig = z.infer<typeof upstreamSchema>;

const listSchema = z.array(upstreamSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  for (const [i, u] of list.entries()) {
    if (seen.has(u.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate upstream "${u.name}"` });
    seen.add(u.name);
  }
});

export const defaultUpstreams: UpstreamConfig[] = [
  { name: 'blotato', url: 'http://127.0.0.1:8101/mcp', prefix: true, connect: false },
  { name: 'gmail', url: 'http://127.0.0.1:8102/mcp', prefix: true, connect: true },
  { name: 'drive', url: 'http://127.0.0.1:8103/mcp', prefix: true, connect: true },
];

/** `GATEWAY_UPSTREAMS`: a JSON array, or a path to a file holding one; unset = the three built-in servers. */
export function parseUpstreams(value: string | undefined): UpstreamConfig[] {
  if (value === undefined) return defaultUpstreams;
  const text = value.trimStart().startsWith('[') ? value : readFileSync(value, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SwitchboardError(
      'VALIDATION_FAILED',
      'GATEWAY_UPSTREAMS is neither a JSON array nor a readable JSON file.',
    );
  }
  const parsed = listSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new SwitchboardError('VALIDATION_FAILED', `GATEWAY_UPSTREAMS is invalid: ${issues}`);
  }
  return parsed.data;
}
