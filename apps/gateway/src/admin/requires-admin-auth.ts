import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { generateApiKeyToken } from '../keys/api-key-token.ts';
import { type AdminHarness, assertProblem } from './admin-test-harness.ts';

/**
 * Test-only, shared by every admin route: a request without credentials, with a malformed header, a wrong
 * admin token, an unknown or revoked key, or a valid key lacking the `admin` scope is refused with a
 * problem (401, or 403 for the scope) and changes nothing.
 */
export async function assertRequiresAdminAuth(
  harness: AdminHarness,
  route: { method: string; url: string; body?: unknown },
): Promise<void> {
  const nonAdmin = await harness.createKey({ name: 'not an admin', scopes: ['*'] });
  const revoked = await harness.createKey({ name: 'revoked admin', scopes: ['admin'] });
  assert.equal((await harness.call('POST', `/admin/v1/keys/${revoked.id}/revoke`)).statusCode, 200);

  const before = await snapshot(harness);
  const attempts: { label: string; headers: Record<string, string>; status: number; code: string }[] = [
    { label: 'no Authorization header', headers: {}, status: 401, code: 'UNAUTHENTICATED' },
    { label: 'empty Authorization header', headers: { authorization: '' }, status: 401, code: 'UNAUTHENTICATED' },
    {
      label: 'Basic scheme',
      headers: { authorization: `Basic ${btoa(`admin:${harness.adminToken}`)}` },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    { label: 'Bearer without token', headers: { authorization: 'Bearer ' }, status: 401, code: 'UNAUTHENTICATED' },
    {
      label: 'wrong admin token',
      headers: { authorization: `Bearer ${harness.adminToken}x` },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      label: 'admin token prefix',
      headers: { authorization: `Bearer ${harness.adminToken.slice(0, -1)}` },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      label: 'unknown API key',
      headers: { authorization: `Bearer ${generateApiKeyToken().token}` },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      label: 'revoked admin key',
      headers: { authorization: `Bearer ${revoked.token}` },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      label: 'key without the admin scope',
      headers: { authorization: `Bearer ${nonAdmin.token}` },
      status: 403,
      code: 'FORBIDDEN',
    },
  ];
  for (const attempt of attempts) {
    const response = await harness.app.inject({
      method: route.method as InjectOptions['method'],
      url: route.url,
      headers: attempt.headers,
      ...(route.body === undefined ? {} : { payload: route.body as object }),
    });
    const problem = assertProblem(response, attempt.status, attempt.code);
    assert.equal(
      JSON.stringify(problem).includes(harness.adminToken),
      false,
      `${route.method} ${route.url}: ${attempt.label}`,
    );
  }
  assert.deepEqual(await snapshot(harness), before, `${route.method} ${route.url} changed data without credentials`);
}

async function snapshot(harness: AdminHarness): Promise<unknown> {
  const page = await harness.store.list({ limit: 1000 });
  // Last-used marks are flushed asynchronously and are not data an attacker changes.
  return page.items.map(({ lastUsedAt: _a, lastUsedIp: _b, ...rest }) => rest);
}
