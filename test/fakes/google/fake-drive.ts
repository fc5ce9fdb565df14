/**
 * TEST INFRASTRUCTURE. The Drive API v3 endpoints the Drive server uses
 * (https://developers.google.com/drive/api/reference/rest/v3): files.list with `q`, `fields`, paging and the
 * shared-drive flags; files.get (metadata and `alt=media`); files.export with the 10 MB limit; about.get.
 * Shared-drive files are invisible without `supportsAllDrives=true` (404 notFound, not 403), like Drive.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DriveQueryError, matchesDriveQuery, parseDriveQuery } from './drive-query.ts';
import type { FakeDriveFile } from './fake-drives.ts';
import { DRIVE_READONLY, type FakeAccount, type FakeGoogleState, googleError } from './fake-state.ts';
import { applyFields, parseFields } from './fields-mask.ts';

type Query = Record<string, string | undefined>;

const DEFAULT_FILE_FIELDS = 'kind,id,name,mimeType';
const GOOGLE_PREFIX = 'application/vnd.google-apps.';

function webViewLink(file: FakeDriveFile): string {
  switch (file.mimeType) {
    case `${GOOGLE_PREFIX}document`:
      return `https://docs.google.com/document/d/${file.id}/edit?usp=drivesdk`;
    case `${GOOGLE_PREFIX}spreadsheet`:
      return `https://docs.google.com/spreadsheets/d/${file.id}/edit?usp=drivesdk`;
    case `${GOOGLE_PREFIX}presentation`:
      return `https://docs.google.com/presentation/d/${file.id}/edit?usp=drivesdk`;
    case `${GOOGLE_PREFIX}folder`:
      return `https://drive.google.com/drive/folders/${file.id}`;
    default:
      return `https://drive.google.com/file/d/${file.id}/view?usp=drivesdk`;
  }
}

function resource(file: FakeDriveFile, baseUrl: string) {
  const google = file.mimeType.startsWith(GOOGLE_PREFIX);
  return {
    kind: 'drive#file',
    id: file.id,
    name: file.name,
    mimeType: file.mimeType,
    parents: file.parents,
    modifiedTime: file.modifiedTime,
    createdTime: file.modifiedTime,
    owners: file.owners.map((o) => ({ kind: 'drive#user', me: false, ...o })),
    trashed: file.trashed,
    webViewLink: webViewLink(file),
    iconLink: `https://drive-thirdparty.googleusercontent.com/16/type/${file.mimeType}`,
    ...(file.driveId === undefined ? {} : { driveId: file.driveId, teamDriveId: file.driveId }),
    ...(file.size === undefined ? {} : { size: file.size }),
    ...(file.shortcutDetails === undefined ? {} : { shortcutDetails: file.shortcutDetails }),
    capabilities: { canDownload: true, canEdit: false, canCopy: true },
    ...(google && file.exports !== undefined
      ? {
          exportLinks: Object.fromEntries(
            Object.keys(file.exports).map((mime) => [
              mime,
              `${baseUrl}/feeds/download/documents/export/Export?id=${file.id}&exportFormat=${encodeURIComponent(mime)}`,
            ]),
          ),
        }
      : {}),
  };
}

function badRequest(reply: FastifyReply, message: string, location = 'q') {
  return reply.code(400).send({
    error: {
      code: 400,
      message,
      errors: [{ message, domain: 'global', reason: 'invalid', location, locationType: 'parameter' }],
    },
  });
}

function fileNotFound(reply: FastifyReply, id: string) {
  return reply.code(404).send(googleError(404, `File not found: ${id}.`, 'notFound'));
}

export function registerFakeDrive(app: FastifyInstance, state: FakeGoogleState, baseUrl: () => string): void {
  const auth = (request: Parameters<FakeGoogleState['authenticate']>[1], reply: FastifyReply) =>
    state.authenticate('drive', request, reply, [DRIVE_READONLY]);

  /** The file as this request may see it: shared-drive items need `supportsAllDrives=true`. */
  const lookup = (account: FakeAccount, id: string, query: Query): FakeDriveFile | undefined => {
    const file = account.drive.files.find((f) => f.id === id);
    if (file === undefined) return undefined;
    if (file.driveId !== undefined && query['supportsAllDrives'] !== 'true') return undefined;
    return file;
  };

  const project = (reply: FastifyReply, value: unknown, fields: string | undefined, fallback: string) => {
    try {
      return applyFields(value, parseFields(fields ?? fallback));
    } catch {
      badRequest(reply, 'Invalid field selection', 'fields');
      return undefined;
    }
  };

  app.get<{ Querystring: Query }>('/drive/v3/about', async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    if (request.query['fields'] === undefined) {
      return badRequest(reply, "The 'fields' parameter is required for this method.", 'fields');
    }
    const about = {
      kind: 'drive#about',
      user: {
        kind: 'drive#user',
        displayName: account.name,
        emailAddress: account.email,
        permissionId: account.permissionId,
        me: true,
      },
    };
    return project(reply, about, request.query['fields'], '') ?? reply;
  });

  app.get<{ Querystring: Query }>('/drive/v3/files', async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    const q = request.query;
    const allDrives = q['includeItemsFromAllDrives'] === 'true';
    if (allDrives && q['supportsAllDrives'] !== 'true') {
      return badRequest(reply, 'includeItemsFromAllDrives requires supportsAllDrives.', 'includeItemsFromAllDrives');
    }
    const corpora = q['corpora'] ?? 'user';
    if ((corpora === 'allDrives' || corpora === 'drive') && !allDrives) {
      return badRequest(reply, 'The includeItemsFromAllDrives parameter must be true for this corpora.', 'corpora');
    }
    let filter: ReturnType<typeof parseDriveQuery> | undefined;
    try {
      filter = q['q'] === undefined || q['q'] === '' ? undefined : parseDriveQuery(q['q']);
    } catch (error) {
      if (error instanceof DriveQueryError) return badRequest(reply, 'Invalid Value');
      throw error;
    }
    const visible = account.drive.files.filter(
      (file) =>
        (file.driveId === undefined || (allDrives && corpora !== 'user')) &&
        (filter === undefined || matchesDriveQuery(filter, file, account.drive.rootId)),
    );
    if (q['orderBy'] !== undefined && /\bfullText\b/.test(q['q'] ?? '')) {
      const message =
        'Sorting is not supported for queries with fullText terms. Results are always in descending relevance order.';
      return reply.code(403).send({
        error: {
          code: 403,
          message,
          errors: [{ message, domain: 'global', reason: 'forbidden', location: 'orderBy', locationType: 'parameter' }],
        },
      });
    }
    const orderBy = q['orderBy'] ?? 'modifiedTime desc';
    visible.sort((a, b) => {
      if (orderBy.startsWith('folder')) {
        const folder = (f: FakeDriveFile) => (f.mimeType === `${GOOGLE_PREFIX}folder` ? 0 : 1);
        if (folder(a) !== folder(b)) return folder(a) - folder(b);
        return a.name.localeCompare(b.name);
      }
      if (orderBy.startsWith('name')) return a.name.localeCompare(b.name);
      return Date.parse(b.modifiedTime) - Date.parse(a.modifiedTime);
    });
    const pageSize = Math.min(Number(q['pageSize'] ?? 100), 1000);
    const offset = Number(q['pageToken'] ?? 0);
    const page = visible.slice(offset, offset + pageSize);
    const body = {
      kind: 'drive#fileList',
      incompleteSearch: false,
      ...(offset + pageSize < visible.length ? { nextPageToken: String(offset + pageSize) } : {}),
      files: page.map((file) => resource(file, baseUrl())),
    };
    return (
      project(reply, body, q['fields'], `kind,incompleteSearch,nextPageToken,files(${DEFAULT_FILE_FIELDS})`) ?? reply
    );
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/drive/v3/files/:id', async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    const file = lookup(account, request.params.id, request.query);
    if (file === undefined) return fileNotFound(reply, request.params.id);
    if (request.query['alt'] === 'media') {
      if (file.mimeType.startsWith(GOOGLE_PREFIX)) {
        return reply
          .code(403)
          .send(
            googleError(
              403,
              'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
              'fileNotDownloadable',
            ),
          );
      }
      return reply.type(file.mimeType).send(file.content ?? Buffer.alloc(0));
    }
    return project(reply, resource(file, baseUrl()), request.query['fields'], DEFAULT_FILE_FIELDS) ?? reply;
  });

  app.get<{ Params: { id: string }; Querystring: Query }>('/drive/v3/files/:id/export', async (request, reply) => {
    const account = auth(request, reply);
    if (account === undefined) return reply;
    const file = lookup(account, request.params.id, request.query);
    if (file === undefined) return fileNotFound(reply, request.params.id);
    if (!file.mimeType.startsWith(GOOGLE_PREFIX)) {
      return reply.code(403).send(googleError(403, 'Export only supports Docs Editors files.', 'fileNotExportable'));
    }
    if (file.exportTooLarge) {
      return reply
        .code(403)
        .send(googleError(403, 'This file is too large to be exported.', 'exportSizeLimitExceeded'));
    }
    const mimeType = request.query['mimeType'] ?? '';
    const content = file.exports?.[mimeType];
    if (content === undefined) {
      return badRequest(reply, 'The requested conversion is not supported.', 'convertTo');
    }
    return reply.type(`${mimeType}; charset=utf-8`).send(content);
  });
}
