/**
 * The Gmail API v1 resources this server reads (https://developers.google.com/gmail/api/reference/rest/v1/users.messages).
 * Only the fields used; Gmail may add others.
 */
export interface GmailHeader {
  name: string;
  value: string;
}

export interface GmailMessagePart {
  partId?: string;
  mimeType?: string;
  /** Non-empty for attachments. */
  filename?: string;
  headers?: GmailHeader[];
  /** `data` is base64url of the transfer-decoded bytes, still in the part's charset; large bodies carry `attachmentId`. */
  body?: { size?: number; data?: string; attachmentId?: string };
  parts?: GmailMessagePart[];
}

export interface GmailMessage {
  id: string;
  threadId: string;
  labelIds?: string[];
  snippet?: string;
  historyId?: string;
  /** Milliseconds since the epoch, as a string. */
  internalDate?: string;
  sizeEstimate?: number;
  payload?: GmailMessagePart;
}

export interface GmailThread {
  id: string;
  historyId?: string;
  messages?: GmailMessage[];
}

export interface GmailThreadList {
  /** Absent when nothing matched. */
  threads?: { id: string; snippet?: string; historyId?: string }[];
  nextPageToken?: string;
  resultSizeEstimate?: number;
}

export interface GmailLabel {
  id: string;
  name: string;
  type?: 'system' | 'user';
  messagesTotal?: number;
  messagesUnread?: number;
}

export interface GmailDraft {
  id: string;
  message: { id: string; threadId: string; labelIds?: string[] };
}
