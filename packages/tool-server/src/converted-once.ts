import type { z } from 'zod';

type JsonSchemaOptions = { target: string; libraryOptions?: Record<string, unknown> };

const wrapped = new WeakMap<z.ZodType, z.ZodType>();

/**
 * A tool's zod schema whose JSON Schema is computed once per process. The SDK converts a tool's schemas on
 * every `tools/list` and twice per `tools/call` (the input for SEP-2243 header checks, the output for
 * projecting the result), memoised only on the server it built, and a stateless tool server builds one per
 * request: that was 55–100 µs per conversion, ≈ 150 µs of every call. Validation is still zod's own; each
 * caller gets its own copy of the JSON Schema, so nothing the SDK does to one can reach another.
 */
export function convertedOnce<S extends z.ZodType>(schema: S): S {
  const known = wrapped.get(schema);
  if (known !== undefined) return known as S;
  const std = schema['~standard'] as S['~standard'] & {
    jsonSchema: Record<'input' | 'output', (options: JsonSchemaOptions) => Record<string, unknown>>;
  };
  const memo = new Map<string, Record<string, unknown>>();
  const convert = (io: 'input' | 'output') => (options: JsonSchemaOptions) => {
    const key = `${io}\u0000${options.target}\u0000${JSON.stringify(options.libraryOptions ?? {})}`;
    let json = memo.get(key);
    if (json === undefined) {
      json = std.jsonSchema[io](options);
      memo.set(key, json);
    }
    return structuredClone(json);
  };
  const standard = { ...std, jsonSchema: { input: convert('input'), output: convert('output') } };
  const schemaOnce = { '~standard': standard } as unknown as S;
  wrapped.set(schema, schemaOnce);
  return schemaOnce;
}
