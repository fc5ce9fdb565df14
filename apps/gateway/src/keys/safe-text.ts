import { z } from 'zod';

/**
 * Human-readable text stored on a key (name, owner). Rejects what makes one string display as another or
 * break a terminal or log line: control characters (NUL, ESC…), format characters (the RTL override U+202E,
 * zero-width spaces, BOM), lone surrogates, private-use and unassigned code points, line/paragraph
 * separators, and leading/trailing whitespace. Ordinary letters of any script stay allowed.
 */
export function safeTextSchema(label: string, maxLength: number) {
  return z
    .string()
    .min(1, `${label} must not be empty.`)
    .max(maxLength, `${label} must be at most ${maxLength} characters.`)
    .refine(
      (value) => /^[^\p{C}\p{Zl}\p{Zp}]*$/u.test(value),
      `${label} must not contain control, format (e.g. right-to-left override), or unassigned characters.`,
    )
    .refine((value) => value.trim() === value, `${label} must not start or end with whitespace.`)
    .refine((value) => value.normalize('NFC') === value, `${label} must be in Unicode NFC form.`);
}

export const keyNameSchema = safeTextSchema('name', 100);
export const keyOwnerSchema = safeTextSchema('owner', 200);
