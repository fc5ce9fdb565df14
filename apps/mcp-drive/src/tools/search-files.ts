import { decodeCursor, encodeCursor } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type DriveToolDeps, driveCall } from '../drive-context.ts';
import { buildDriveQuery } from '../drive-query.ts';
import { TYPE_ALIASES } from '../file-kinds.ts';
import { fileRow, fileRowSchema, renderRows } from '../file-row.ts';

const typeAlias = z.enum(Object.keys(TYPE_ALIASES) as [keyof typeof TYPE_ALIASES, ...(keyof typeof TYPE_ALIASES)[]]);

export function searchFilesTool(deps: DriveToolDeps) {
  return defineTool({
    name: 'search_files',
    title: 'Search Google Drive',
    description:
      "Finds files in the user's Drive and the shared drives they belong to (trashed files never appear). Combine any of: text (full-text search of names and contents), name_contains, types (doc, sheet, slides, pdf, folder), folder_id, modified_after, and raw_query (Drive query syntax, for experts). Returns file rows with stable file_id values; read one with read_file.",
    inputSchema: z.object({
      text: z.string().min(1).max(500).optional(),
      name_contains: z.string().min(1).max(300).optional(),
      types: z.array(typeAlias).max(5).optional(),
      folder_id: z.string().min(1).max(200).optional(),
      modified_after: z
        .union([z.iso.date(), z.iso.datetime({ offset: true })])
        .optional()
        .describe('2024-06-01 or an ISO date-time.'),
      raw_query: z
        .string()
        .max(1000)
        .optional()
        .describe('Extra Drive query, ANDed with the rest, e.g. "starred = true" or "\'me\' in owners".'),
      limit: z.number().int().min(1).max(100).default(20),
      cursor: z.string().max(2000).optional(),
    }),
    outputSchema: z.object({
      files: z.array(fileRowSchema),
      next_cursor: z.string().optional(),
      incomplete_search: z.boolean().describe('Drive did not search every corpus; results may be missing.'),
      query: z.string().describe('The Drive query that ran.'),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await driveCall(deps, ctx);
      const q = buildDriveQuery({
        text: args.text,
        nameContains: args.name_contains,
        types: args.types,
        folderId: args.folder_id,
        modifiedAfter: args.modified_after,
        rawQuery: args.raw_query,
      });
      const pageToken = decodeCursor(args.cursor, { q });
      // Drive refuses orderBy with fullText terms (403 "Sorting is not supported for queries with fullText
      // terms", n8n-io/n8n#4874): those come by relevance, everything else newest first.
      const list = await deps.drive.listFiles(call, {
        q,
        pageSize: args.limit,
        ...(pageToken === undefined ? {} : { pageToken }),
        ...(/\bfullText\b/.test(q) ? {} : { orderBy: 'modifiedTime desc' }),
      });
      const rows = (list.files ?? []).map(fileRow);
      const nextCursor = list.nextPageToken === undefined ? undefined : encodeCursor(list.nextPageToken, { q });
      return {
        structured: {
          files: rows,
          ...(nextCursor === undefined ? {} : { next_cursor: nextCursor }),
          incomplete_search: list.incompleteSearch ?? false,
          query: q,
        },
        text:
          rows.length === 0
            ? `No files match (${q}).`
            : `${rows.length} file${rows.length === 1 ? '' : 's'}:\n${renderRows(rows)}${nextCursor === undefined ? '' : '\nMore results: pass next_cursor as cursor.'}${list.incompleteSearch ? '\nDrive reports an incomplete search; some files may be missing.' : ''}`,
      };
    },
  });
}
