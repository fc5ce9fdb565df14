import { decodeCursor, encodeCursor } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type DriveToolDeps, driveCall } from '../drive-context.ts';
import { quoteDriveValue } from '../drive-query.ts';
import { fileRow, fileRowSchema, renderRows } from '../file-row.ts';

export function listFolderTool(deps: DriveToolDeps) {
  return defineTool({
    name: 'list_folder',
    title: 'List a Drive folder',
    description:
      'Lists what a folder contains (folders first, then by name; trashed items left out). folder_id "root" is My Drive; a shared drive\'s id lists its top level.',
    inputSchema: z.object({
      folder_id: z.string().min(1).max(200).default('root'),
      limit: z.number().int().min(1).max(100).default(50),
      cursor: z.string().max(2000).optional(),
    }),
    outputSchema: z.object({
      folder_id: z.string(),
      files: z.array(fileRowSchema),
      next_cursor: z.string().optional(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await driveCall(deps, ctx);
      const q = `${quoteDriveValue(args.folder_id)} in parents and trashed = false`;
      const pageToken = decodeCursor(args.cursor, { q });
      const list = await deps.drive.listFiles(call, {
        q,
        pageSize: args.limit,
        orderBy: 'folder,name',
        ...(pageToken === undefined ? {} : { pageToken }),
      });
      const rows = (list.files ?? []).map(fileRow);
      const nextCursor = list.nextPageToken === undefined ? undefined : encodeCursor(list.nextPageToken, { q });
      return {
        structured: {
          folder_id: args.folder_id,
          files: rows,
          ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }),
        },
        text:
          rows.length === 0
            ? `Folder ${args.folder_id} is empty (or not visible to this account).`
            : `${rows.length} item${rows.length === 1 ? '' : 's'} in ${args.folder_id}:\n${renderRows(rows)}${nextCursor === undefined ? '' : '\nMore: pass next_cursor as cursor.'}`,
      };
    },
  });
}
