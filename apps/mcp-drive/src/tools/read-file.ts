import { isSwitchboardError, SwitchboardError } from '@switchboard/errors';
import { clipText } from '@switchboard/google-auth';
import { defineTool } from '@switchboard/tool-server';
import { z } from 'zod';
import { type DriveToolDeps, driveCall } from '../drive-context.ts';
import { describeType, GOOGLE_FOLDER, textPlanFor } from '../file-kinds.ts';
import { resolveFile } from '../resolve-file.ts';

export function readFileTool(deps: DriveToolDeps) {
  return defineTool({
    name: 'read_file',
    title: 'Read a Drive file as text',
    description:
      "Returns a file's content as text, a window at a time (max_chars from offset; continue with next_offset): Google Docs as Markdown, Sheets as CSV (first sheet only), Slides as plain text, and text, CSV, Markdown or JSON files as stored. PDFs, images, Office files and other binaries are refused with their web link. Shortcuts are followed.",
    inputSchema: z.object({
      file_id: z.string().min(1).max(200),
      offset: z.number().int().min(0).default(0),
      max_chars: z.number().int().min(200).max(20_000).default(10_000),
    }),
    outputSchema: z.object({
      file_id: z.string(),
      name: z.string(),
      source_mime_type: z.string(),
      content_mime_type: z.string(),
      text: z.string(),
      offset: z.number(),
      total_chars: z.number(),
      truncated: z.boolean(),
      omitted_chars: z.number().describe('Characters after this window.'),
      next_offset: z.number().optional(),
      notes: z.array(z.string()),
      web_view_link: z.string().optional(),
      resolved_from_shortcut: z.string().optional().describe('Id of the shortcut that led here.'),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    async handler(args, ctx) {
      const call = await driveCall(deps, ctx);
      const { file, shortcut } = await resolveFile(deps.drive, call, args.file_id);
      const name = file.name ?? file.id;
      const mimeType = file.mimeType ?? 'application/octet-stream';
      const link = file.webViewLink;
      const openIt = link === undefined ? '' : ` Open it in Drive: ${link}`;
      if (mimeType === GOOGLE_FOLDER) {
        throw new SwitchboardError('UNSUPPORTED_CONTENT', `"${name}" is a folder; list it with list_folder.`);
      }
      const plan = textPlanFor(mimeType);
      if (plan === undefined) {
        throw new SwitchboardError(
          'UNSUPPORTED_CONTENT',
          `"${name}" is ${describeType(mimeType)} (${mimeType}); read_file returns text from Google Docs, Sheets, Slides and text files only.${openIt}`,
          { details: { mime_type: mimeType, ...(link === undefined ? {} : { web_view_link: link }) } },
        );
      }
      if (file.capabilities?.canDownload === false) {
        throw new SwitchboardError(
          'FORBIDDEN',
          `The owner of "${name}" disabled downloading and exporting it for this account.${openIt}`,
        );
      }
      const cacheKey = `${call.credential.accountKey}\u0000${file.id}\u0000${file.modifiedTime ?? ''}\u0000${plan.contentType}`;
      let text = deps.texts.get(cacheKey);
      if (text === undefined) {
        let bytes: Buffer;
        try {
          bytes =
            plan.method === 'export'
              ? await deps.drive.exportFile(call, file.id, plan.contentType)
              : await deps.drive.downloadFile(call, file.id);
        } catch (error) {
          if (
            isSwitchboardError(error) &&
            (error.context?.['reason'] === 'exportSizeLimitExceeded' || error.code === 'EXPORT_TOO_LARGE')
          ) {
            throw new SwitchboardError(
              'EXPORT_TOO_LARGE',
              `"${name}" is too large to read as text: Google Drive exports at most 10 MB.${openIt}`,
              {
                details: { ...(link === undefined ? {} : { web_view_link: link }) },
                ...(error.context === undefined ? {} : { context: error.context }),
              },
            );
          }
          throw error;
        }
        text = new TextDecoder('utf-8')
          .decode(bytes)
          .replace(/^\uFEFF/, '')
          .replace(/\r\n/g, '\n');
        deps.texts.set(cacheKey, text);
      }
      const window = clipText(text, args.offset, args.max_chars);
      const more = window.truncated
        ? `\n[${window.omitted_chars} more chars: read_file file_id=${args.file_id} offset=${window.next_offset}]`
        : '';
      const notes = plan.notes;
      return {
        structured: {
          file_id: file.id,
          name,
          source_mime_type: mimeType,
          content_mime_type: plan.contentType,
          text: window.text,
          offset: window.offset,
          total_chars: window.total_chars,
          truncated: window.truncated,
          omitted_chars: window.omitted_chars,
          ...(window.next_offset === undefined ? {} : { next_offset: window.next_offset }),
          notes,
          ...(link === undefined ? {} : { web_view_link: link }),
          ...(shortcut === undefined ? {} : { resolved_from_shortcut: shortcut.id }),
        },
        text: `${name} (${plan.contentType}; characters ${window.offset}–${window.offset + window.text.length} of ${window.total_chars})${notes.length > 0 ? `\nNote: ${notes.join(' ')}` : ''}\n\n${window.text}${more}`,
      };
    },
  });
}
