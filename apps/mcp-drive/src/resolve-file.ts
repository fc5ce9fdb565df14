import { isSwitchboardError, SwitchboardError } from '@switchboard/errors';
import type { DriveApi, DriveCall } from './drive-api.ts';
import type { DriveFile } from './drive-types.ts';
import { GOOGLE_SHORTCUT } from './file-kinds.ts';

/**
 * A file's metadata, following a shortcut to its target (one hop: Drive does not allow shortcuts to
 * shortcuts). A 404 becomes a sentence about the id the caller gave.
 */
export async function resolveFile(
  drive: DriveApi,
  call: DriveCall,
  fileId: string,
  extraFields = '',
): Promise<{ file: DriveFile; shortcut?: DriveFile }> {
  const file = await notFoundAs(drive.getFile(call, fileId, extraFields), fileId);
  const targetId = file.shortcutDetails?.targetId;
  if (file.mimeType !== GOOGLE_SHORTCUT || targetId === undefined) return { file };
  const target = await notFoundAs(drive.getFile(call, targetId, extraFields), targetId, file.name);
  return { file: target, shortcut: file };
}

async function notFoundAs<T>(pending: Promise<T>, fileId: string, shortcutName?: string): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (isSwitchboardError(error) && error.code === 'NOT_FOUND') {
      throw new SwitchboardError(
        'NOT_FOUND',
        shortcutName === undefined
          ? `No file with id ${fileId} is visible to this Google account (deleted, or not shared with it).`
          : `The shortcut "${shortcutName}" points to ${fileId}, which this Google account cannot see.`,
        error.context === undefined ? {} : { context: error.context },
      );
    }
    throw error;
  }
}
