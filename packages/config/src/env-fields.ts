import { z } from 'zod';

/** Empty strings count as unset: `FOO=` in an .env file means "use the default". */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

export const optionalString = () => z.preprocess(unsetIfEmpty, z.string().optional());

export const port = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(fallback));

export const positiveInt = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().positive().default(fallback));

export const nonNegativeNumber = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().nonnegative().default(fallback));

export const url = (fallback: string) => z.preprocess(unsetIfEmpty, z.url().default(fallback));

export const optionalUrl = () => z.preprocess(unsetIfEmpty, z.url().optional());

export const boolean = (fallback: boolean) =>
  z.preprocess(
    (value) =>
      value === '' || value === undefined ? fallback : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase()),
    z.boolean(),
  );

export const logLevel = () =>
  z.preprocess(unsetIfEmpty, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'));

/**
 * Secrets that sign the gateway's caller assertions: comma-separated, the first signs, all verify (so a
 * secret can be rotated without downtime). Each must carry at least 256 bits.
 */
export const assertionSecrets = () =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((value) =>
        value === undefined
          ? []
          : value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
      )
      .refine((list) => list.every((s) => s.length >= 32), 'each secret must be at least 32 characters'),
  );

/** A listener address; `0.0.0.0` in containers, loopback by default. */
export const host = (fallback = '127.0.0.1') => z.preprocess(unsetIfEmpty, z.string().min(1).default(fallback));

/** Comma-separated values, trimmed, empties dropped. */
export const commaList = () =>
  z.preprocess(
    (value) =>
      value === '' || value === undefined
        ? []
        : String(value)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    z.array(z.string()),
  );

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(unsetIfEmpty, z.enum(values).default(fallback as never));

/** A JSON value validated by `schema`; malformed JSON is reported against the variable, not thrown. */
export const json = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value, ctx) => {
    if (value === '' || value === undefined) return undefined;
    try {
      return JSON.parse(String(value));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  }, schema);
