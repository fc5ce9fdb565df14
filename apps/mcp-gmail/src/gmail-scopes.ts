/**
 * Least privilege for this server: read mail and write drafts. `gmail.compose` also allows sending; the
 * server, not the scope, keeps sending off unless GMAIL_SEND_ENABLED
 * (https://developers.google.com/gmail/api/auth/scopes).
 */
export const GMAIL_SCOPES = [
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.compose',
];
