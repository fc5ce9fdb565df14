import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '@switchboard/testing';
import { typeScriptNodeFlags } from '@switchboard/ts-runtime';
import { type AdminHarness, adminHarness } from '../admin/admin-test-harness.ts';
import { runAdminCli } from './run-admin-cli.ts';

describe('admin CLI against a listening admin app', () => {
  let h: AdminHarness;
  let url: string;
  before(async () => {
    h = await adminHarness();
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => h.close());

  const cli = async (args: string[], env: Record<string, string | undefined> = {}) => {
    let stdout = '';
    let stderr = '';
    const code = await runAdminCli(args, {
      env: { SWITCHBOARD_ADMIN_URL: url, SWITCHBOARD_ADMIN_TOKEN: h.adminToken, ...env },
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  };

  test('keys create prints the key with its token once; list shows a table without it', async () => {
    const created = await cli([
      'keys',
      'create',
      '--name',
      'alice',
      '--owner',
      'alice@example.com',
      '--scopes',
      'gmail_*,drive_*',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    assert.deepEqual(key.scopes, ['gmail_*', 'drive_*']);
    assert.match(key.token, /^sb_/);
    assert.match(created.stderr, /cannot be shown again/);
    assert.equal((await h.authenticator.authenticate(key.token, '10.0.0.1')).id, key.id);

    const listed = await cli(['keys', 'list']);
    assert.equal(listed.code, 0);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    assert.match(header!, /^ID\s+NAME\s+OWNER\s+STATUS\s+PREFIX\s+SCOPES/);
    const row = rows.find((r) => r.startsWith(key.id));
    assert.ok(row?.includes('alice@example.com') && row.includes('active') && row.includes('gmail_*,drive_*'));
    assert.equal(listed.stdout.includes(key.token), false);

    const json = await cli(['keys', 'list', '--json', '--owner', 'alice@example.com']);
    assert.deepEqual(
      JSON.parse(json.stdout).items.map((k: { id: string }) => k.id),
      [key.id],
    );
  });

  test('keys rotate --grace and keys revoke', async () => {
    const key = JSON.parse((await cli(['keys', 'create', '--name', 'bob', '--scopes', '*'])).stdout);
    const rotated = await cli(['keys', 'rotate', key.id, '--grace', '3600']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const body = JSON.parse(rotated.stdout);
    assert.notEqual(body.token, key.token);
    assert.equal(Date.parse(body.secrets[1].expires_at) - Date.parse(body.updated_at), 3600_000);

    const revoked = await cli(['keys', 'revoke', key.id]);
    assert.equal(revoked.code, 0);
    assert.equal(JSON.parse(revoked.stdout).status, 'revoked');
    await assert.rejects(h.authenticator.authenticate(body.token, '10.0.0.1'), { details: { reason: 'revoked' } });
  });

  test('an API refusal exits 1 and prints the problem detail', async () => {
    const missing = await cli(['keys', 'revoke', 'key_0000000000']);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stderr).code, 'NOT_FOUND');

    const invalid = await cli(['keys', 'create', '--name', 'x', '--scopes', 'gm\u0430il_*']);
    assert.equal(invalid.code, 1);
    const problem = JSON.parse(invalid.stderr);
    assert.equal(problem.code, 'VALIDATION_FAILED');
    assert.equal(problem.status, 400);

    const wrongToken = await cli(['keys', 'list'], { SWITCHBOARD_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
    assert.equal(wrongToken.code, 1);
    assert.equal(JSON.parse(wrongToken.stderr).code, 'UNAUTHENTICATED');
  });

  test('scopes that grant nothing are refused unless --allow-unknown-scopes says they are for a future upstream', async () => {
    const refused = await cli(['keys', 'create', '--name', 'y', '--scopes', 'bogus,gmail_*']);
    assert.equal(refused.code, 1);
    const problem = JSON.parse(refused.stderr);
    assert.equal(problem.code, 'VALIDATION_FAILED');
    assert.deepEqual(problem.unknown_scopes, ['bogus']);
    assert.match(problem.detail, /--allow-unknown-scopes/);

    const created = await cli(['keys', 'create', '--name', 'y', '--scopes', 'notion_*', '--allow-unknown-scopes']);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout);
    assert.deepEqual(key.scopes, ['notion_*']);

    const update = await cli(['keys', 'update', key.id, '--scopes', 'nosuch_*']);
    assert.equal(update.code, 1);
    assert.deepEqual(JSON.parse(update.stderr).unknown_scopes, ['nosuch_*']);
    const forced = await cli(['keys', 'update', key.id, '--scopes', 'nosuch_*', '--allow-unknown-scopes']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(JSON.parse(forced.stdout).scopes, ['nosuch_*']);
  });

  test('SWITCHBOARD_ADMIN_URL works with or without /admin/v1 (and a trailing slash)', async () => {
    for (const form of [url, `${url}/`, `${url}/admin/v1`, `${url}/admin/v1/`]) {
      const listed = await cli(['keys', 'list', '--json'], { SWITCHBOARD_ADMIN_URL: form });
      assert.equal(listed.code, 0, `${form}: ${listed.stderr}`);
      assert.ok(Array.isArray(JSON.parse(listed.stdout).items), form);
    }
  });

  test('configuration and usage errors exit 2; an unreachable API exits 1', async () => {
    const noToken = await cli(['keys', 'list'], { SWITCHBOARD_ADMIN_TOKEN: undefined });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /SWITCHBOARD_ADMIN_TOKEN/);

    const badGrace = await cli(['keys', 'rotate', 'key_x', '--grace', '-5']);
    assert.equal(badGrace.code, 2);
    const noName = await cli(['keys', 'create']);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /--name/);

    const nobody = `http://127.0.0.1:${await freePort()}`;
    const down = await cli(['keys', 'list'], { SWITCHBOARD_ADMIN_URL: nobody });
    assert.equal(down.code, 1);
    assert.ok(down.stderr.startsWith(`Cannot reach the admin API at ${nobody}`), down.stderr);
  });

  test('the executable reads its settings from the environment and exits non-zero on failure', async () => {
    const entry = fileURLToPath(new URL('./admin-cli.ts', import.meta.url));
    const run = (args: string[], token: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [...typeScriptNodeFlags, entry, ...args],
          { env: { ...process.env, SWITCHBOARD_ADMIN_URL: url, SWITCHBOARD_ADMIN_TOKEN: token } },
          (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
        );
      });
    const [ok, refused] = await Promise.all([
      run(['keys', 'list', '--json'], h.adminToken),
      run(['keys', 'get', 'key_0000000000'], h.adminToken),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(Array.isArray(JSON.parse(ok.stdout).items));
    assert.equal(refused.code, 1);
    assert.equal(JSON.parse(refused.stderr).code, 'NOT_FOUND');
  });
});
