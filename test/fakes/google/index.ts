/** TEST INFRASTRUCTURE: fake Google OAuth, Gmail and Drive endpoints (see README.md beside this file). */

export { type BrowserConnectResult, connectInBrowser, viaGateway } from './browser-connect.ts';
export {
  BOB_DOC_ID,
  ENGINEERING_DRIVE_ID,
  FALCON_DOC_ID,
  HANDBOOK_DOC_ID,
  HUGE_DOC_ID,
  JSON_ID,
  LONG_DOC_ID,
  NOTES_ID,
  OBRIEN_ID,
  PDF_ID,
  PROJECTS_FOLDER_ID,
  SHEET_ID,
  SHORTCUT_ID,
  SLIDES_ID,
  TRASHED_ID,
} from './fake-drives.ts';
export { FALCON_FINAL_LINE, FALCON_SUBJECT, NEWSLETTER_SUBJECT } from './fake-mailboxes.ts';
export type { FakeAccount, FakeMode, RequestLogEntry } from './fake-state.ts';
export { type McpCaller, mcpCaller } from './mcp-caller.ts';
export { type FakeGoogle, type FakeGoogleOptions, startFakeGoogle } from './start-fake-google.ts';
export { connectUrlFrom, fakeGoogleEnv } from './tool-server-env.ts';
