import { z } from 'zod';
import type { DriveFile } from './drive-types.ts';
import { kindOf, textPlanFor } from './file-kinds.ts';

export const fileRowSchema = z.object({
  file_id: z.string(),
  name: z.string(),
  mime_type: z.string(),
  kind: z.enum(['doc', 'sheet', 'slides', 'pdf', 'folder', 'shortcut', 'text', 'other']),
  modified_time: z.string().optional(),
  size: z.number().optional().describe('Bytes; Google Docs, Sheets and Slides have none.'),
  web_view_link: z.string().optional(),
  owners: z.array(z.string()),
  parents: z.array(z.string()),
  drive_id: z.string().optional().describe('Shared drive holding the file.'),
  shortcut_target: z.object({ file_id: z.string(), mime_type: z.string() }).optional(),
  can_download: z.boolean(),
  readable_as: z
    .enum(['markdown', 'csv', 'text', 'json'])
    .optional()
    .describe('What read_file returns for it; absent when it cannot be read as text.'),
});

export type FileRow = z.infer<typeof fileRowSchema>;

export function fileRow(file: DriveFile): FileRow {
  const mimeType = file.mimeType ?? 'application/octet-stream';
  const target = file.shortcutDetails;
  const plan = textPlanFor(target?.targetMimeType ?? mimeType);
  const size = file.size === undefined ? Number.NaN : Number(file.size);
  return {
    file_id: file.id,
    name: file.name ?? '(untitled)',
    mime_type: mimeType,
    kind: kindOf(mimeType),
    ...(file.modifiedTime === undefined ? {} : { modified_time: file.modifiedTime }),
    ...(Number.isFinite(size) ? { size } : {}),
    ...(file.webViewLink === undefined ? {} : { web_view_link: file.webViewLink }),
    owners: (file.owners ?? []).map((o) => o.displayName ?? o.emailAddress ?? '').filter(Boolean),
    parents: file.parents ?? [],
    ...(file.driveId === undefined ? {} : { drive_id: file.driveId }),
    ...(target?.targetId === undefined
      ? {}
      : { shortcut_target: { file_id: target.targetId, mime_type: target.targetMimeType ?? '' } }),
    can_download: file.capabilities?.canDownload ?? true,
    ...(plan === undefined || kindOf(mimeType) === 'folder' ? {} : { readable_as: plan.readableAs }),
  };
}

export function renderRows(rows: FileRow[]): string {
  return rows
    .map(
      (row, i) =>
        `${i + 1}. ${row.name} (${row.kind}${row.drive_id === undefined ? '' : ', shared drive'}${row.modified_time === undefined ? '' : `, modified ${row.modified_time.slice(0, 10)}`}) file_id=${row.file_id}${row.shortcut_target === undefined ? '' : ` → shortcut to ${row.shortcut_target.file_id}`}`,
    )
    .join('\n');
}
