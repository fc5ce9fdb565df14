/**
 * The gateway's admin API judges new scopes against its own upstreams (issue 16): the configuration says
 * which namespaces exist, the registry's lists which tools an answering upstream has. An upstream that is
 * configured but down still accepts scopes in its namespace.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '@switchboard/testing';
import { type EchoUpstream, startEchoUpstream } from '../fixtures/echo-upstream.ts';
import { baseEnv, type RunningGateway, startGateway, TEST_ADMIN_TOKEN } from '../support/gateway-harness.ts';

describe('admin scopes against the configured upstreams', { timeout: 60_000 }, () => {
  let upstream: EchoUpstream;
  let gw: RunningGateway;
  before(async () => {
    upstream = await startEchoUpstream({ name: 'echo' });
    const nobody = `http://127.0.0.1:${await freePort()}/mcp`;
    gw = await startGateway(
      baseEnv([
        { name: 'echo', url: upstream.url },
        { name: 'ghost', url: nobody },
      ]),
    );
  });
  after(async () => {
    await gw?.close();
    await upstream?.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gw.adminUrl}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'y', ...body }),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  test('a scope no configured upstream can grant is a problem naming it and the namespaces', async () => {
    for (const scopes of [['bogus'], ['nosuch_*'], ['echo_nosuch']]) {
      const refused = await create({ scopes });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(String(refused.type), /^application\/problem\+json/);
      assert.deepEqual(refused.body.unknown_scopes, scopes);
      assert.deepEqual(refused.body.namespaces, ['echo', 'ghost']);
    }
  });

  test('listed tools, namespaces (also of the upstream that is down) and the flag are accepted', async () => {
    for (const scopes of [['*'], ['echo_*'], ['echo_echo', 'echo_slow'], ['ghost_*'], ['ghost_anything']]) {
      const created = await create({ scopes });
      assert.equal(created.status, 201, `${scopes}: ${JSON.stringify(created.body)}`);
    }
    assert.equal((await create({ scopes: ['notion_*'], allow_unknown_scopes: true })).status, 201);
  });
});
