/**
 * The floor the benchmark measures the gateway against: the least a Node relay with the same duties can do
 * per `tools/call`. Fastify parses the body once; the bearer token's SHA-256 is looked up in a Map; one Redis
 * `EVALSHA` (a one-key GCRA) admits the call; the tool name is mapped back to the upstream's; one pooled undici
 * request carries it (with the caller's session and protocol headers), and the answer's bytes are written back
 * as they came. No scopes, no eras, no metrics, no logging, no error shapes: benchmark infrastructure only.
 *
 *   node --import @switchboard/ts-runtime/register test/bench/floor-relay.ts --port P --upstream URL --redis URL --token T --tools a=b
 */
import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { cliArgs } from './bench-kit.ts';

const args = cliArgs();
const upstream = new URL(args.get('upstream')!);
const tools = new Map((args.get('tools') ?? '').split(',').map((pair) => pair.split('=') as [string, string]));
const callers = new Map([[sha256(args.get('token')!), 'bench-key']]);

const GCRA = `
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or t)
if tat < t then tat = t end
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
if tat - t > burst * interval then return {0, tat - t - burst * interval} end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil((tat + interval - t) / 1000) + 1000)
return {1, 0}`;

const redis = new Redis(args.get('redis')!);
redis.defineCommand('floorAdmit', { numberOfKeys: 1, lua: GCRA });
const admit = (key: string) =>
  (redis as unknown as { floorAdmit(k: string, i: number, b: number): Promise<number[]> }).floorAdmit(key, 60, 1000);
const pool = new Pool(upstream.origin, { connections: 64 });
const FORWARDED = ['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name'];

const app = Fastify({ logger: false });
app.post('/mcp', async (request, reply) => {
  const header = request.headers.authorization;
  const keyId = header?.startsWith('Bearer ') ? callers.get(sha256(header.slice(7))) : undefined;
  if (keyId === undefined) return reply.code(401).send({ error: 'unauthenticated' });
  const [allowed] = await admit(`floor:{${keyId}}`);
  if (allowed !== 1) return reply.code(429).send({ error: 'limited' });
  const body = request.body as { params?: { name?: string } };
  const original = tools.get(body.params?.name ?? '');
  if (original !== undefined) body.params!.name = original;
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = name === 'mcp-name' && original !== undefined ? original : value;
  }
  const res = await pool.request({ path: upstream.pathname, method: 'POST', headers, body: JSON.stringify(body) });
  const answer = await res.body.text();
  return reply
    .code(res.statusCode)
    .header('content-type', String(res.headers['content-type'] ?? 'application/json'))
    .send(answer);
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

await app.listen({ port: Number(args.get('port')), host: '127.0.0.1' });
console.log('floor relay listening');
process.on('SIGTERM', () => {
  void app.close().then(() => {
    redis.disconnect();
    return pool.close();
  });
});
