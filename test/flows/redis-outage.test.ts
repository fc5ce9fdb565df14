/**
 * Redis killed under load and restarted: the gateway neither crashes nor hangs nor lifts limits. Cached keys
 * keep working, limits fall back to per-replica memory (limit ÷ replicas), `/readyz` says so, and the gateway
 * returns to Redis by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRedisServer, type TestRedisServer } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type GatewayProcess, spawnGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';
import { modernRequest } from '../support/mcp-requests.ts';

describe('Redis outage', { timeout: 120_000 }, () => {
  let redis: TestRedisServer;
  let upstream: EchoUpstream;
  let gateway: GatewayProcess;

  before(async () => {
    redis = await startRedisServer({ persist: true });
    upstream = await startEchoUpstream({ name: 'echo' });
    gateway = await spawnGateway(
      baseEnv([{ name: 'echo', url: upstream.url }], {
        REDIS_URL: redis.url,
        GATEWAY_REPLICAS: '2',
        LOG_LEVEL: 'warn',
      }),
    );
  });
  after(async () => {
    await gateway?.stop();
    await upstream?.close();
    await redis?.stop();
  });

  async function call(token: string, i: number) {
    const started = Date.now();
    const reply = await modernRequest(gateway.mcpUrl, token, 'tools/call', {
      id: i,
      tool: 'echo_echo',
      arguments: { text: 'x' },
    });
    return {
      status: reply.status,
      admitted: reply.status === 200 && reply.body.result?.isError !== true,
      ms: Date.now() - started,
    };
  }

  const readyz = async () =>
    (await (await fetch(new URL('/readyz', gateway.mcpUrl))).json()) as Record<string, unknown>;

  it('keeps serving known keys with halved limits while Redis is down, then returns to Redis', async () => {
    const created = await fetch(`${gateway.adminUrl}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'outage', scopes: ['*'], limits: { key: { limit: 10, window_s: 3600 } } }),
    });
    const { token } = (await created.json()) as { token: string };
    assert.equal((await call(token, 0)).admitted, true, 'the key works and is now cached');
    assert.equal((await readyz())['rateLimiter'], 'redis');

    await redis.kill();
    // Long enough for the replica to notice that its invalidation subscriber is gone (cache TTL shrinks).
    await new Promise((r) => setTimeout(r, 2000));
    const during = [];
    for (let i = 1; i <= 8; i++) during.push(await call(token, i));
    assert.ok(
      during.every((r) => r.status === 200),
      `every request answered: ${during.map((r) => r.status)}`,
    );
    assert.ok(Math.max(...during.map((r) => r.ms)) < 3000, `no request hangs: ${during.map((r) => r.ms)}`);
    // 10 per hour ÷ 2 replicas = 5 in the fallback limiter: never unlimited.
    assert.equal(during.filter((r) => r.admitted).length, 5);
    const degraded = await readyz();
    assert.equal(degraded['rateLimiter'], 'degraded');
    assert.equal(degraded['store'], 'unreachable');
    assert.equal(degraded['status'], 'ready', 'cached keys and fallback limits still serve');

    await redis.start();
    const deadline = Date.now() + 15_000;
    let state = '';
    while (state !== 'redis' && Date.now() < deadline) {
      await call(token, 99);
      state = String((await readyz())['rateLimiter']);
      if (state !== 'redis') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(state, 'redis', `the gateway went back to the shared limiter:\n${gateway.output().slice(-3000)}`);
  });
});
