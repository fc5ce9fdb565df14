/**
 * What each Drive MIME type is to a reader, and how it becomes text.
 * Export formats: https://developers.google.com/drive/api/guides/ref-export-formats.
 */
export const GOOGLE_DOC = 'application/vnd.google-apps.document';
export const GOOGLE_SHEET = 'application/vnd.google-apps.spreadsheet';
export const GOOGLE_SLIDES = 'application/vnd.google-apps.presentation';
export const GOOGLE_FOLDER = 'application/vnd.google-apps.folder';
export const GOOGLE_SHORTCUT = 'application/vnd.google-apps.shortcut';
export const GOOGLE_SCRIPT = 'application/vnd.google-apps.script';

export const TYPE_ALIASES = {
  doc: [GOOGLE_DOC],
  sheet: [GOOGLE_SHEET],
  slides: [GOOGLE_SLIDES],
  pdf: ['application/pdf'],
  folder: [GOOGLE_FOLDER],
} as const;

export type TypeAlias = keyof typeof TYPE_ALIASES;
export type FileKind = TypeAlias | 'shortcut' | 'text' | 'other';

export function kindOf(mimeType: string): FileKind {
  for (const [alias, types] of Object.entries(TYPE_ALIASES) as [TypeAlias, readonly string[]][]) {
    if (types.includes(mimeType)) return alias;
  }
  if (mimeType === GOOGLE_SHORTCUT) return 'shortcut';
  if (isPlainTextType(mimeType)) return 'text';
  return 'other';
}

const TEXT_APPLICATION_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/x-ndjson',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/typescript',
  'application/x-yaml',
  'application/yaml',
  'application/x-sh',
  'application/sql',
  'application/x-sql',
  'application/csv',
  'application/x-httpd-php',
  'application/toml',
  'application/graphql',
]);

/** Files Drive stores as bytes that are text: read with `alt=media`. */
export function isPlainTextType(mimeType: string): boolean {
  return (
    mimeType.startsWith('text/') ||
    TEXT_APPLICATION_TYPES.has(mimeType) ||
    mimeType.endsWith('+json') ||
    mimeType.endsWith('+xml')
  );
}

export interface TextPlan {
  /** `export` for Google types (files.export), `download` for stored text (`alt=media`). */
  method: 'export' | 'download';
  /** The MIME type of the text returned. */
  contentType: string;
  readableAs: 'markdown' | 'csv' | 'text' | 'json';
  notes: string[];
}

/** How a file becomes text, or undefined when it cannot (binaries, drawings, forms…). */
export function textPlanFor(mimeType: string): TextPlan | undefined {
  switch (mimeType) {
    case GOOGLE_DOC:
      return { method: 'export', contentType: 'text/markdown', readableAs: 'markdown', notes: [] };
    case GOOGLE_SHEET:
      return {
        method: 'export',
        contentType: 'text/csv',
        readableAs: 'csv',
        notes: [
          "Drive's CSV export contains only the first sheet of the spreadsheet; other sheets need the Sheets API or the web link.",
        ],
      };
    case GOOGLE_SLIDES:
      return { method: 'export', contentType: 'text/plain', readableAs: 'text', notes: [] };
    case GOOGLE_SCRIPT:
      return {
        method: 'export',
        contentType: 'application/vnd.google-apps.script+json',
        readableAs: 'json',
        notes: [],
      };
  }
  if (isPlainTextType(mimeType)) {
    return {
      method: 'download',
      contentType: mimeType,
      readableAs: mimeType.includes('json') ? 'json' : 'text',
      notes: [],
    };
  }
  return undefined;
}

export function describeType(mimeType: string): string {
  if (mimeType === 'application/pdf') return 'a PDF';
  if (mimeType.startsWith('image/')) return 'an image';
  if (mimeType.startsWith('video/')) return 'a video';
  if (mimeType.startsWith('audio/')) return 'an audio file';
  if (mimeType.startsWith('application/vnd.openxmlformats-officedocument')) return 'a Microsoft Office file';
  if (mimeType.startsWith('application/vnd.google-apps.')) return `a Google ${mimeType.slice(28)} file`;
  return `a ${mimeType} file`;
}
