import { isIP } from 'node:net';
import { z } from 'zod';

/** Names Fastify (proxy-addr) understands for whole address ranges. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const DEFAULT = 'loopback,linklocal,uniquelocal';

/** An address, a named range, or a CIDR (`10.0.0.0/8`, `fd00::/8`) or netmask (`10.0.0.0/255.0.0.0`) range. */
function isProxyEntry(entry: string): boolean {
  if (RANGE_NAMES.has(entry) || isIP(entry) !== 0) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || range === undefined || rest.length > 0) return false;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/**
 * `GATEWAY_TRUST_PROXY`: the peers whose X-Forwarded-* headers are believed, as Fastify's `trustProxy`.
 * `true`, `false`, or comma-separated entries (addresses, ranges, named ranges). Hop counts are not offered:
 * they trust whoever connects, so a client reaching the gateway directly could name its own address.
 * A bad entry is a configuration error at start, not an exception inside Fastify.
 */
export const trustProxyField = () =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? DEFAULT : value),
    z.string().transform((value, ctx): boolean | string[] => {
      if (value === 'true') return true;
      if (value === 'false') return false;
      const entries = value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
      const bad = entries.filter((entry) => !isProxyEntry(entry));
      if (bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${bad.map((entry) => `"${entry}"`).join(', ')}: expected true, false, or addresses, CIDR ranges and loopback/linklocal/uniquelocal`,
        });
        return z.NEVER;
      }
      return entries;
    }),
  );
