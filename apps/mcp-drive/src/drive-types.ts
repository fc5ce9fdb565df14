/** The Drive API v3 File fields this server requests (https://developers.google.com/drive/api/reference/rest/v3/files). */
export interface DriveFile {
  id: string;
  name?: string;
  mimeType?: string;
  modifiedTime?: string;
  /** Bytes, as a string; absent for Google Docs and folders. */
  size?: string;
  webViewLink?: string;
  parents?: string[];
  owners?: { displayName?: string; emailAddress?: string }[];
  /** Set for items in a shared drive. */
  driveId?: string;
  trashed?: boolean;
  shortcutDetails?: { targetId?: string; targetMimeType?: string };
  capabilities?: { canDownload?: boolean };
  exportLinks?: Record<string, string>;
}

export interface DriveFileList {
  files?: DriveFile[];
  nextPageToken?: string;
  incompleteSearch?: boolean;
}
