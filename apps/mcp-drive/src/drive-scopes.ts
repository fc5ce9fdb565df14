/**
 * Least privilege for this server: read files and their content. `drive.metadata.readonly` cannot read
 * content and `drive.file` sees only files the app created or the user picked
 * (https://developers.google.com/drive/api/guides/api-specific-auth).
 */
export const DRIVE_SCOPES = ['https://www.googleapis.com/auth/drive.readonly'];
