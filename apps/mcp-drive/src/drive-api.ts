import type { CallerCredential, GoogleApiClient } from '@switchboard/google-auth';
import type { DriveFile, DriveFileList } from './drive-types.ts';

/** The fields every file row needs; Drive returns only what `fields` names. */
export const FILE_FIELDS =
  'id,name,mimeType,modifiedTime,size,webViewLink,parents,owners(displayName,emailAddress),driveId,trashed,shortcutDetails(targetId,targetMimeType),capabilities(canDownload)';

export interface DriveCall {
  credential: CallerCredential;
  callerKey: string;
  signal?: AbortSignal;
}

/** Drive refuses to export more than this (403 exportSizeLimitExceeded); downloads are held to it too. */
export const MAX_TEXT_BYTES = 10 * 1024 * 1024;

/**
 * The Drive endpoints the tools use. Shared-drive flags go on every call: without `supportsAllDrives`
 * a shared-drive file answers 404, and without `includeItemsFromAllDrives` + `corpora=allDrives` searches
 * silently miss shared drives (https://developers.google.com/drive/api/guides/enable-shareddrives).
 * Drive publishes no per-method costs; each request is charged one unit of the account's budget.
 */
export class DriveApi {
  readonly #client: GoogleApiClient;

  constructor(client: GoogleApiClient) {
    this.#client = client;
  }

  listFiles(call: DriveCall, params: { q: string; pageSize: number; pageToken?: string; orderBy?: string }) {
    return this.#client.json<DriveFileList>({
      ...this.#base(call),
      method: 'GET',
      path: '/drive/v3/files',
      query: {
        q: params.q,
        pageSize: params.pageSize,
        pageToken: params.pageToken,
        orderBy: params.orderBy,
        fields: `nextPageToken,incompleteSearch,files(${FILE_FIELDS})`,
        corpora: 'allDrives',
        includeItemsFromAllDrives: true,
        supportsAllDrives: true,
      },
      units: 1,
      route: 'files.list',
    });
  }

  getFile(call: DriveCall, fileId: string, extraFields = '') {
    return this.#client.json<DriveFile>({
      ...this.#base(call),
      method: 'GET',
      path: `/drive/v3/files/${encodeURIComponent(fileId)}`,
      query: { fields: extraFields === '' ? FILE_FIELDS : `${FILE_FIELDS},${extraFields}`, supportsAllDrives: true },
      units: 1,
      route: 'files.get',
    });
  }

  exportFile(call: DriveCall, fileId: string, mimeType: string) {
    return this.#client.bytes({
      ...this.#base(call),
      method: 'GET',
      path: `/drive/v3/files/${encodeURIComponent(fileId)}/export`,
      query: { mimeType, supportsAllDrives: true },
      units: 1,
      route: 'files.export',
      maxBytes: MAX_TEXT_BYTES,
    });
  }

  downloadFile(call: DriveCall, fileId: string) {
    return this.#client.bytes({
      ...this.#base(call),
      method: 'GET',
      path: `/drive/v3/files/${encodeURIComponent(fileId)}`,
      query: { alt: 'media', supportsAllDrives: true },
      units: 1,
      route: 'files.get(alt=media)',
      maxBytes: MAX_TEXT_BYTES,
    });
  }

  about(call: DriveCall) {
    return this.#client.json<{ user?: { emailAddress?: string; permissionId?: string } }>({
      ...this.#base(call),
      method: 'GET',
      path: '/drive/v3/about',
      query: { fields: 'user(emailAddress,permissionId)' },
      units: 1,
      route: 'about.get',
    });
  }

  #base(call: DriveCall) {
    return {
      credential: call.credential,
      callerKey: call.callerKey,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
    };
  }
}
