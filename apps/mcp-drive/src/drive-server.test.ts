import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CallerAssertionSigner } from '@switchboard/caller-assertion';
import { readToolError } from '@switchboard/errors';
import type { FastifyInstance } from 'fastify';
import {
  BOB_DOC_ID,
  connectInBrowser,
  connectUrlFrom,
  FALCON_DOC_ID,
  type FakeGoogle,
  fakeGoogleEnv,
  HANDBOOK_DOC_ID,
  HUGE_DOC_ID,
  JSON_ID,
  LONG_DOC_ID,
  type McpCaller,
  mcpCaller,
  NOTES_ID,
  OBRIEN_ID,
  PDF_ID,
  PROJECTS_FOLDER_ID,
  SHEET_ID,
  SHORTCUT_ID,
  SLIDES_ID,
  startFakeGoogle,
  TRASHED_ID,
} from '../../../test/fakes/google/index.ts';
import { buildDriveServer } from './build-drive-server.ts';
import { loadDriveConfig } from './config.ts';

const SECRET = 'd'.repeat(48);
const PUBLIC_URL = 'https://switchboard.example.test';

async function startServer(google: FakeGoogle, env: Record<string, string>) {
  const config = loadDriveConfig({ ...fakeGoogleEnv(google, SECRET, PUBLIC_URL), ...env });
  const app: FastifyInstance = buildDriveServer(config, {
    retry: { maxAttempts: 4, maxWaitMs: 2_000, baseMs: 20, capMs: 100 },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const caller = mcpCaller({ url, audience: 'drive', secret: SECRET });
  return {
    app,
    url,
    call: caller.call,
    client: caller.client,
    async close() {
      await caller.close();
      await app.close();
    },
  };
}

type Server = Awaited<ReturnType<typeof startServer>> & Pick<McpCaller, 'call'>;

describe('Drive tool server, per-caller Google accounts (in-memory grants)', () => {
  let google: FakeGoogle;
  let server: Server;
  before(async () => {
    google = await startFakeGoogle();
    server = await startServer(google, {
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
    });
  });
  after(async () => {
    await server?.close();
    await google?.close();
  });

  it('links two keys to two accounts through the connect flow; each sees only its own files', async () => {
    const first = await server.call('key_alice', 'search_files', { text: 'falcon' });
    const url = connectUrlFrom(first);
    assert.ok(url.startsWith(`${PUBLIC_URL}/connect/drive/start?ticket=`));
    assert.match(first.content[0].text, /connect\/drive\/start\?ticket=/);
    for (const [keyId, email] of [
      ['key_alice', 'alice@example.com'],
      ['key_bob', 'bob@example.org'],
    ] as const) {
      const link = connectUrlFrom(await server.call(keyId, 'list_folder'));
      const done = await connectInBrowser({
        connectUrl: link,
        server: 'drive',
        toolServerUrl: server.url,
        google,
        email,
      });
      assert.equal(done.status, 200, done.page);
    }
    const consent = google.requests.find((r) => r.path === '/o/oauth2/v2/auth');
    assert.equal(consent?.query['scope'], 'https://www.googleapis.com/auth/drive.readonly', 'least privilege');
    assert.equal(consent?.query['redirect_uri'], `${PUBLIC_URL}/connect/drive/callback`);
    assert.equal(consent?.query['code_challenge_method'], 'S256');
    assert.equal(consent?.query['access_type'], 'offline');
    assert.equal(consent?.query['prompt'], 'consent');

    const alice = await server.call('key_alice', 'search_files', { text: 'falcon' });
    const names = alice.structuredContent.files.map((f: any) => f.name);
    assert.ok(names.includes('Falcon launch plan'));
    assert.ok(names.includes('Engineering handbook'), 'shared-drive files are found');
    assert.ok(!names.includes('Old Falcon draft'), 'trashed files never appear');
    assert.ok(!names.includes("Bob's budget"));

    const bob = await server.call('key_bob', 'search_files', {});
    assert.deepEqual(
      bob.structuredContent.files.map((f: any) => f.file_id),
      [BOB_DOC_ID],
    );
    const stolen = await server.call('key_bob', 'read_file', { file_id: FALCON_DOC_ID });
    assert.equal(readToolError(stolen)!.code, 'NOT_FOUND');
    const own = await server.call('key_bob', 'read_file', { file_id: BOB_DOC_ID });
    assert.match(own.structuredContent.text, /Dentist: 120/);
  });

  it('reaches shared-drive files: every call carries the shared-drive flags', async () => {
    const handbook = await server.call('key_alice', 'read_file', { file_id: HANDBOOK_DOC_ID });
    assert.equal(handbook.isError, undefined, handbook.content[0].text);
    assert.match(handbook.structuredContent.text, /On-call rotates weekly/);
    const meta = await server.call('key_alice', 'get_file', { file_id: HANDBOOK_DOC_ID });
    assert.equal(meta.structuredContent.drive_id, '0AEngineeringSharedDriveUk9PVA');
    const driveCalls = google.requests.filter((r) => r.api === 'drive' && r.status !== 401);
    assert.ok(driveCalls.length > 5);
    for (const request of driveCalls.filter((r) => r.path !== '/drive/v3/about')) {
      assert.equal(request.query['supportsAllDrives'], 'true', `${request.path} without supportsAllDrives`);
    }
    for (const request of driveCalls.filter((r) => r.path === '/drive/v3/files')) {
      assert.equal(request.query['includeItemsFromAllDrives'], 'true');
      assert.equal(request.query['corpora'], 'allDrives');
      assert.match(String(request.query['q']), /trashed = false/);
    }
  });

  it('escapes values, filters by type, folder and date, and keeps raw queries inside their parentheses', async () => {
    const quoted = await server.call('key_alice', 'search_files', { name_contains: "O'Brien's" });
    assert.deepEqual(
      quoted.structuredContent.files.map((f: any) => f.file_id),
      [OBRIEN_ID],
    );
    assert.match(quoted.structuredContent.query, /name contains 'O\\'Brien\\'s'/);
    const sheets = await server.call('key_alice', 'search_files', { types: ['sheet'] });
    assert.deepEqual(
      sheets.structuredContent.files.map((f: any) => f.file_id),
      [SHEET_ID],
    );
    const inFolder = await server.call('key_alice', 'search_files', { folder_id: PROJECTS_FOLDER_ID });
    assert.deepEqual(
      inFolder.structuredContent.files.map((f: any) => f.file_id).sort(),
      [FALCON_DOC_ID, SHEET_ID, SLIDES_ID].sort(),
    );
    assert.ok(!inFolder.structuredContent.files.some((f: any) => f.file_id === TRASHED_ID));
    const recent = await server.call('key_alice', 'search_files', { modified_after: '2024-06-09' });
    assert.deepEqual(
      recent.structuredContent.files.map((f: any) => f.name),
      ['notes.txt', 'Falcon launch plan (shortcut)', 'Falcon launch plan', 'Falcon budget'],
    );
    const raw = await server.call('key_alice', 'search_files', { raw_query: "mimeType = 'application/json'" });
    assert.deepEqual(
      raw.structuredContent.files.map((f: any) => f.file_id),
      [JSON_ID],
    );
    const rawFullText = await server.call('key_alice', 'search_files', { raw_query: "fullText contains 'runbook'" });
    assert.deepEqual(
      rawFullText.structuredContent.files.map((f: any) => f.file_id),
      [HANDBOOK_DOC_ID],
      'no orderBy with fullText, which Drive refuses',
    );
    const breakout = await server.call('key_alice', 'search_files', { raw_query: "name = 'x') or (trashed = true" });
    assert.equal(readToolError(breakout)!.code, 'VALIDATION_FAILED');
  });

  it('pages search results with a cursor', async () => {
    const first = await server.call('key_alice', 'search_files', { limit: 3 });
    assert.equal(first.structuredContent.files.length, 3);
    const second = await server.call('key_alice', 'search_files', {
      limit: 3,
      cursor: first.structuredContent.next_cursor,
    });
    const ids = new Set(
      [...first.structuredContent.files, ...second.structuredContent.files].map((f: any) => f.file_id),
    );
    assert.equal(ids.size, 6);
  });

  it('reads Docs as Markdown, Sheets as CSV (with the first-sheet note), Slides, text and JSON; follows shortcuts', async () => {
    const doc = await server.call('key_alice', 'read_file', { file_id: FALCON_DOC_ID });
    assert.equal(doc.structuredContent.content_mime_type, 'text/markdown');
    assert.match(doc.structuredContent.text, /^# Falcon launch plan/);
    assert.match(doc.structuredContent.text, /\| Launch \| Carol Jones \|/);
    const sheet = await server.call('key_alice', 'read_file', { file_id: SHEET_ID });
    assert.equal(sheet.structuredContent.content_mime_type, 'text/csv');
    assert.match(sheet.structuredContent.text, /^Item,Q2,Q3\nInfrastructure,12000,14500/);
    assert.match(sheet.structuredContent.notes[0], /only the first sheet/);
    assert.match(sheet.content[0].text, /only the first sheet/);
    const slides = await server.call('key_alice', 'read_file', { file_id: SLIDES_ID });
    assert.match(slides.structuredContent.text, /June 30 launch/);
    const notes = await server.call('key_alice', 'read_file', { file_id: NOTES_ID });
    assert.match(notes.structuredContent.text, /vendor shortlist/);
    const json = await server.call('key_alice', 'read_file', { file_id: JSON_ID });
    assert.deepEqual(JSON.parse(json.structuredContent.text), { feature: 'falcon', rollout: 0.25, beta: true });

    const viaShortcut = await server.call('key_alice', 'read_file', { file_id: SHORTCUT_ID });
    assert.equal(viaShortcut.structuredContent.file_id, FALCON_DOC_ID);
    assert.equal(viaShortcut.structuredContent.resolved_from_shortcut, SHORTCUT_ID);
    const meta = await server.call('key_alice', 'get_file', { file_id: SHORTCUT_ID });
    assert.equal(meta.structuredContent.file_id, FALCON_DOC_ID);
    assert.equal(meta.structuredContent.readable_as, 'markdown');
    assert.ok(meta.structuredContent.export_formats.includes('text/markdown'));
    assert.equal(meta.structuredContent.resolved_from_shortcut.file_id, SHORTCUT_ID);
  });

  it('refuses binaries with their web link, folders, and documents over the 10 MB export limit, clearly', async () => {
    const pdf = await server.call('key_alice', 'read_file', { file_id: PDF_ID });
    assert.equal(readToolError(pdf)!.code, 'UNSUPPORTED_CONTENT');
    assert.match(pdf.content[0].text, /is a PDF/);
    assert.match(pdf.content[0].text, new RegExp(`https://drive\\.google\\.com/file/d/${PDF_ID}/view`));
    const folder = await server.call('key_alice', 'read_file', { file_id: PROJECTS_FOLDER_ID });
    assert.match(folder.content[0].text, /list_folder/);
    const huge = await server.call('key_alice', 'read_file', { file_id: HUGE_DOC_ID });
    assert.equal(readToolError(huge)!.code, 'EXPORT_TOO_LARGE');
    assert.match(huge.content[0].text, /exports at most 10 MB/);
    assert.match(huge.content[0].text, /docs\.google\.com\/document\/d\//);
  });

  it('pages through a long document from one export', async () => {
    const exportsBefore = google.requests.filter((r) => r.path.endsWith('/export')).length;
    let offset = 0;
    let text = '';
    let total = 0;
    for (let page = 0; page < 10; page++) {
      const window = await server.call('key_alice', 'read_file', { file_id: LONG_DOC_ID, offset, max_chars: 10_000 });
      assert.ok(window.structuredContent.text.length <= 10_000);
      text += window.structuredContent.text;
      total = window.structuredContent.total_chars;
      if (window.structuredContent.next_offset === undefined) break;
      assert.equal(window.structuredContent.truncated, true);
      offset = window.structuredContent.next_offset;
    }
    assert.equal(text.length, total);
    assert.ok(total > 30_000);
    assert.match(text, /## Entry 240\n/);
    const exportsAfter = google.requests.filter((r) => r.path.endsWith('/export')).length;
    assert.equal(exportsAfter - exportsBefore, 1, 'later windows come from the cache');
  });

  it('lists a folder, folders first, without trashed items', async () => {
    const root = await server.call('key_alice', 'list_folder', {});
    const names = root.structuredContent.files.map((f: any) => f.name);
    assert.equal(names[0], 'Projects');
    assert.ok(names.includes('notes.txt'));
    const projects = await server.call('key_alice', 'list_folder', { folder_id: PROJECTS_FOLDER_ID });
    assert.deepEqual(
      projects.structuredContent.files.map((f: any) => f.name),
      ['Falcon budget', 'Falcon kickoff deck', 'Falcon launch plan'],
    );
  });

  it('backs off on 429 and 403 quota errors, and answers RATE_LIMITED when Google keeps refusing', async () => {
    google.setMode({ rateLimit: { api: 'drive', shape: '429', times: 2 } });
    const ok = await server.call('key_alice', 'get_file', { file_id: NOTES_ID });
    assert.equal(ok.isError, undefined, ok.content[0].text);
    google.setMode({ rateLimit: { api: 'drive', shape: '403-user', times: 20 } });
    const refused = await server.call('key_alice', 'get_file', { file_id: NOTES_ID });
    assert.equal(readToolError(refused)!.code, 'RATE_LIMITED');
    assert.match(refused.content[0].text, /retry in \d+ s/);
    google.setMode({});
  });

  it("drops a key's grant when the gateway reports the key deleted", async () => {
    const assertion = await new CallerAssertionSigner({ secrets: [SECRET] }).sign(
      { keyId: 'key_bob', scopes: [] },
      'drive',
    );
    const response = await fetch(`${server.url}/internal/keys/key_bob/deleted`, {
      method: 'POST',
      headers: { authorization: `Bearer ${assertion}` },
    });
    assert.equal(response.status, 204);
    connectUrlFrom(await server.call('key_bob', 'list_folder'));
    assert.equal((await server.call('key_alice', 'list_folder')).isError, undefined);
  });
});

describe('Drive tool server, single shared account', () => {
  it('serves every caller from GOOGLE_REFRESH_TOKEN and lists four read-only tools with schemas', async () => {
    const google = await startFakeGoogle();
    const server = await startServer(google, {
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_REFRESH_TOKEN: google.issueRefreshToken('bob@example.org', [google.scopes.driveReadonly]),
    });
    try {
      for (const keyId of ['key_one', 'key_two']) {
        const result = await server.call(keyId, 'read_file', { file_id: BOB_DOC_ID });
        assert.match(result.structuredContent.text, /Bob's budget/);
      }
      const { tools } = await (await server.client('key_one')).listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['get_file', 'list_folder', 'read_file', 'search_files']);
      for (const tool of tools) {
        assert.ok(tool.outputSchema);
        assert.equal(tool.annotations?.readOnlyHint, true);
        assert.equal(tool.annotations?.destructiveHint, false);
      }
    } finally {
      await server.close();
      await google.close();
    }
  });
});
