import { buildGoogleToolServer, type GoogleToolServerDeps } from '@switchboard/google-auth';
import type { FastifyInstance } from 'fastify';
import type { DriveConfig } from './config.ts';
import { DriveApi } from './drive-api.ts';
import type { DriveToolDeps } from './drive-context.ts';
import { DRIVE_SCOPES } from './drive-scopes.ts';
import { TextCache } from './text-cache.ts';
import { getFileTool } from './tools/get-file.ts';
import { listFolderTool } from './tools/list-folder.ts';
import { readFileTool } from './tools/read-file.ts';
import { searchFilesTool } from './tools/search-files.ts';

export type DriveServerDeps = GoogleToolServerDeps;

const VERSION = '0.1.0';

/**
 * The Drive tool server: search, metadata, text reading with paging and folder listing (read-only), the
 * connect flow and the key-deleted hook. Returns the app without listening (main.ts listens).
 */
export function buildDriveServer(config: DriveConfig, deps: DriveServerDeps = {}): FastifyInstance {
  return buildGoogleToolServer<DriveApi>(
    {
      server: 'drive',
      product: 'Google Drive',
      version: VERSION,
      env: config,
      baseUrl: config.DRIVE_BASE_URL,
      quota: { perMinute: config.DRIVE_USER_QUOTA_PER_MIN, maxWaitMs: config.DRIVE_QUOTA_MAX_WAIT_MS },
      scopes: DRIVE_SCOPES,
      createApi: (client) => new DriveApi(client),
      tools: (drive, credentials) => {
        const toolDeps: DriveToolDeps = { credentials, drive, texts: new TextCache() };
        return [
          searchFilesTool(toolDeps),
          getFileTool(toolDeps),
          readFileTool(toolDeps),
          listFolderTool(toolDeps),
        ] as never[];
      },
      instructions: (mode) =>
        `Google Drive of the person using this API key${mode.kind === 'single-account' ? ' (one account shared by the team)' : ''}, read-only, shared drives included: search files, get metadata, read Docs, Sheets, Slides and text files as text in windows, list folders. Binary files (PDF, images, Office) cannot be read here; their web link is given instead. If a tool answers CONNECT_REQUIRED, give the user the connect link from the error.`,
      identify: async (drive, credential) =>
        (await drive.about({ credential, callerKey: 'connect-flow' })).user?.emailAddress,
    },
    deps,
  );
}
