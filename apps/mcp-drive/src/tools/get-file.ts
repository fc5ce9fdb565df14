import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type DriveToolDeps, driveCall } from '../drive-context.ts';
import { fileRow, fileRowSchema } from '../file-row.ts';
import { resolveFile } from '../resolve-file.ts';

export function getFileTool(deps: DriveToolDeps) {
  return defineTool({
    name: 'get_file',
    title: 'Get Drive file metadata',
    description:
      'Metadata of one file: name, type, owners, dates, size, web link, shared drive, the text format read_file would return and the export formats Drive offers. Shortcuts are followed to their target.',
    inputSchema: z.object({ file_id: z.string().min(1).max(200) }),
    outputSchema: fileRowSchema.extend({
      export_formats: z.array(z.string()).describe('MIME types files.export offers (Google Docs, Sheets, Slides).'),
      resolved_from_shortcut: z.object({ file_id: z.string(), name: z.string() }).optional(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await driveCall(deps, ctx);
      const { file, shortcut } = await resolveFile(deps.drive, call, args.file_id, 'exportLinks');
      const row = fileRow(file);
      const exportFormats = Object.keys(file.exportLinks ?? {}).sort();
      return {
        structured: {
          ...row,
          export_formats: exportFormats,
          ...(shortcut === undefined
            ? {}
            : { resolved_from_shortcut: { file_id: shortcut.id, name: shortcut.name ?? '' } }),
        },
        text: [
          `${row.name} (${row.kind}, ${row.mime_type}) file_id=${row.file_id}`,
          shortcut === undefined ? undefined : `Reached through the shortcut "${shortcut.name}" (${shortcut.id}).`,
          row.modified_time === undefined ? undefined : `Modified ${row.modified_time}`,
          row.owners.length === 0 ? undefined : `Owners: ${row.owners.join(', ')}`,
          row.drive_id === undefined ? undefined : `In shared drive ${row.drive_id}`,
          row.size === undefined ? undefined : `Size: ${row.size} bytes`,
          row.readable_as === undefined
            ? 'read_file cannot return it as text.'
            : `read_file returns it as ${row.readable_as}.`,
          row.web_view_link === undefined ? undefined : `Open: ${row.web_view_link}`,
        ]
          .filter(Boolean)
          .join('\n'),
      };
    },
  });
}
