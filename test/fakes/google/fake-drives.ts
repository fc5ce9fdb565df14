/**
 * TEST INFRASTRUCTURE. The Drive files of the two fake Google accounts: Docs, Sheets (two sheets; CSV
 * export carries the first), Slides, a PDF, plain text and JSON, a shortcut, a trashed file, a name with an
 * apostrophe, a document whose export exceeds Google's 10 MB limit and a shared-drive document that is
 * invisible (404) without `supportsAllDrives`.
 */

export interface FakeDriveFile {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  modifiedTime: string;
  owners: { displayName: string; emailAddress: string }[];
  trashed: boolean;
  driveId?: string;
  size?: string;
  shortcutDetails?: { targetId: string; targetMimeType: string };
  /** Content by export MIME type (Google types) or the file's bytes (`alt=media`). */
  exports?: Record<string, string>;
  content?: Buffer;
  /** Pretend the export would exceed 10 MB (Drive answers 403 exportSizeLimitExceeded). */
  exportTooLarge?: boolean;
  fullText: string;
}

export interface FakeDrive {
  files: FakeDriveFile[];
  /** Shared drives the account belongs to. */
  sharedDrives: { id: string; name: string }[];
  rootId: string;
}

const DOC = 'application/vnd.google-apps.document';
const SHEET = 'application/vnd.google-apps.spreadsheet';
const SLIDES = 'application/vnd.google-apps.presentation';
const FOLDER = 'application/vnd.google-apps.folder';
const SHORTCUT = 'application/vnd.google-apps.shortcut';

export const FALCON_DOC_ID = '1FalconPlanDocAbCdEfGhIjKlMnOpQrStUvWxYz01';
export const HANDBOOK_DOC_ID = '1EngHandbookSharedDriveDocAbCdEfGhIjKlMn02';
export const HUGE_DOC_ID = '1CompanyWikiExportTooLargeAbCdEfGhIjKlMn03';
export const LONG_DOC_ID = '1ResearchLogLongDocumentAbCdEfGhIjKlMnOp04';
export const SHEET_ID = '1FalconBudgetSheetAbCdEfGhIjKlMnOpQrStUv05';
export const PDF_ID = '1SignedContractPdfAbCdEfGhIjKlMnOpQrStUv06';
export const SHORTCUT_ID = '1ShortcutToFalconPlanAbCdEfGhIjKlMnOpQr07';
export const PROJECTS_FOLDER_ID = '1ProjectsFolderAbCdEfGhIjKlMnOpQrStUvWx08';
export const SLIDES_ID = '1KickoffDeckSlidesAbCdEfGhIjKlMnOpQrStUv09';
export const NOTES_ID = '1NotesTxtPlainTextAbCdEfGhIjKlMnOpQrStUv10';
export const JSON_ID = '1ConfigJsonFileAbCdEfGhIjKlMnOpQrStUvWxY11';
export const OBRIEN_ID = '1OBriensNotesApostropheAbCdEfGhIjKlMnOp12';
export const TRASHED_ID = '1OldFalconDraftTrashedAbCdEfGhIjKlMnOpQ13';
export const BOB_DOC_ID = '1BobBudgetDocAbCdEfGhIjKlMnOpQrStUvWxYz21';
export const ENGINEERING_DRIVE_ID = '0AEngineeringSharedDriveUk9PVA';

const alice = { displayName: 'Alice Example', emailAddress: 'alice@example.com' };
const bob = { displayName: 'Bob Sample', emailAddress: 'bob@example.org' };

export const FALCON_PLAN_MARKDOWN = `# Falcon launch plan

## Goals

- Ship the Falcon beta to **140 accounts** by June 30.
- Keep support load under 20 tickets a day during the first week.

## Owners

| Area | Owner |
| --- | --- |
| Launch | Carol Jones |
| Support | Dave Okafor |
`;

function researchLog(): string {
  return Array.from(
    { length: 240 },
    (_, i) =>
      `## Entry ${i + 1}\n\nObservation ${i + 1}: the cache hit rate moved by ${(i % 7) + 1}% after change ${i + 1}; see the benchmark notes for the raw numbers and the caveats about warm-up runs.\n`,
  ).join('\n');
}

export function aliceDrive(): FakeDrive {
  const rootId = '0AAliceRootFolderUk9PVA';
  const files: FakeDriveFile[] = [
    {
      id: PROJECTS_FOLDER_ID,
      name: 'Projects',
      mimeType: FOLDER,
      parents: [rootId],
      modifiedTime: '2024-05-01T10:00:00.000Z',
      owners: [alice],
      trashed: false,
      fullText: 'Projects',
    },
    {
      id: FALCON_DOC_ID,
      name: 'Falcon launch plan',
      mimeType: DOC,
      parents: [PROJECTS_FOLDER_ID],
      modifiedTime: '2024-06-10T09:30:00.000Z',
      owners: [alice],
      trashed: false,
      exports: {
        'text/markdown': FALCON_PLAN_MARKDOWN,
        'text/plain': FALCON_PLAN_MARKDOWN.replace(/[#*|]/g, ''),
        'text/html': `<h1>Falcon launch plan</h1>`,
      },
      fullText: FALCON_PLAN_MARKDOWN,
    },
    {
      id: SHEET_ID,
      name: 'Falcon budget',
      mimeType: SHEET,
      parents: [PROJECTS_FOLDER_ID],
      modifiedTime: '2024-06-09T15:00:00.000Z',
      owners: [alice],
      trashed: false,
      exports: {
        'text/csv': 'Item,Q2,Q3\r\nInfrastructure,12000,14500\r\nMarketing,8000,9000\r\n',
        'text/tab-separated-values': 'Item\tQ2\tQ3\r\nInfrastructure\t12000\t14500\r\nMarketing\t8000\t9000\r\n',
      },
      fullText: 'Falcon budget Infrastructure Marketing Headcount (second sheet)',
    },
    {
      id: SLIDES_ID,
      name: 'Falcon kickoff deck',
      mimeType: SLIDES,
      parents: [PROJECTS_FOLDER_ID],
      modifiedTime: '2024-05-20T12:00:00.000Z',
      owners: [alice],
      trashed: false,
      exports: { 'text/plain': 'Falcon kickoff\n\nWhy now\nThe beta cohort is ready.\n\nTimeline\nJune 30 launch.\n' },
      fullText: 'Falcon kickoff Why now Timeline',
    },
    {
      id: PDF_ID,
      name: 'Signed contract.pdf',
      mimeType: 'application/pdf',
      parents: [rootId],
      modifiedTime: '2024-04-02T08:00:00.000Z',
      owners: [alice],
      trashed: false,
      size: '204800',
      content: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(204_791, 2)]),
      fullText: 'contract falcon vendor',
    },
    {
      id: NOTES_ID,
      name: 'notes.txt',
      mimeType: 'text/plain',
      parents: [rootId],
      modifiedTime: '2024-06-11T07:00:00.000Z',
      owners: [alice],
      trashed: false,
      size: '64',
      content: Buffer.from('Falcon notes: call Carol about the vendor shortlist on Monday.\n'),
      fullText: 'Falcon notes call Carol vendor shortlist',
    },
    {
      id: JSON_ID,
      name: 'config.json',
      mimeType: 'application/json',
      parents: [rootId],
      modifiedTime: '2024-03-01T07:00:00.000Z',
      owners: [alice],
      trashed: false,
      size: '44',
      content: Buffer.from('{"feature":"falcon","rollout":0.25,"beta":true}'),
      fullText: 'feature falcon rollout',
    },
    {
      id: SHORTCUT_ID,
      name: 'Falcon launch plan (shortcut)',
      mimeType: SHORTCUT,
      parents: [rootId],
      modifiedTime: '2024-06-10T09:31:00.000Z',
      owners: [alice],
      trashed: false,
      shortcutDetails: { targetId: FALCON_DOC_ID, targetMimeType: DOC },
      fullText: '',
    },
    {
      id: OBRIEN_ID,
      name: "O'Brien's notes",
      mimeType: DOC,
      parents: [rootId],
      modifiedTime: '2024-02-01T07:00:00.000Z',
      owners: [alice],
      trashed: false,
      exports: { 'text/markdown': "# O'Brien's notes\n\nBackslash \\ and quote ' survive.\n" },
      fullText: "O'Brien notes",
    },
    {
      id: TRASHED_ID,
      name: 'Old Falcon draft',
      mimeType: DOC,
      parents: [PROJECTS_FOLDER_ID],
      modifiedTime: '2024-06-12T07:00:00.000Z',
      owners: [alice],
      trashed: true,
      exports: { 'text/markdown': '# Old draft\n' },
      fullText: 'Falcon old draft',
    },
    {
      id: HUGE_DOC_ID,
      name: 'Company wiki export',
      mimeType: DOC,
      parents: [rootId],
      modifiedTime: '2024-01-15T07:00:00.000Z',
      owners: [alice],
      trashed: false,
      exportTooLarge: true,
      fullText: 'company wiki everything',
    },
    {
      id: LONG_DOC_ID,
      name: 'Research log',
      mimeType: DOC,
      parents: [rootId],
      modifiedTime: '2024-06-01T07:00:00.000Z',
      owners: [alice],
      trashed: false,
      exports: { 'text/markdown': researchLog() },
      fullText: 'research log cache benchmark',
    },
    {
      id: HANDBOOK_DOC_ID,
      name: 'Engineering handbook',
      mimeType: DOC,
      parents: [ENGINEERING_DRIVE_ID],
      driveId: ENGINEERING_DRIVE_ID,
      modifiedTime: '2024-06-08T07:00:00.000Z',
      owners: [],
      trashed: false,
      exports: { 'text/markdown': '# Engineering handbook\n\nOn-call rotates weekly; Falcon has its own runbook.\n' },
      fullText: 'Engineering handbook on-call Falcon runbook',
    },
  ];
  return { files, sharedDrives: [{ id: ENGINEERING_DRIVE_ID, name: 'Engineering' }], rootId };
}

export function bobDrive(): FakeDrive {
  const rootId = '0ABobRootFolderUk9PVA';
  return {
    rootId,
    sharedDrives: [],
    files: [
      {
        id: BOB_DOC_ID,
        name: "Bob's budget",
        mimeType: DOC,
        parents: [rootId],
        modifiedTime: '2024-06-05T07:00:00.000Z',
        owners: [bob],
        trashed: false,
        exports: { 'text/markdown': "# Bob's budget\n\nDentist: 120. Holiday: 900.\n" },
        fullText: "Bob's budget dentist holiday",
      },
    ],
  };
}
