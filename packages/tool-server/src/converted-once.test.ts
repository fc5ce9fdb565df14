import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { convertedOnce } from './converted-once.ts';

type Std = {
  '~standard': {
    validate(value: unknown): { value?: unknown; issues?: unknown[] } | Promise<unknown>;
    jsonSchema: Record<'input' | 'output', (o: { target: string }) => Record<string, unknown>>;
  };
};
const std = (schema: unknown) => (schema as Std)['~standard'];
const TARGET = { target: 'draft-2020-12' };

describe('convertedOnce', () => {
  const schema = z.object({ text: z.string().max(10).describe('what to say'), count: z.number().int().default(1) });

  it('gives the JSON Schema zod gives, for input and output', () => {
    const once = convertedOnce(schema);
    assert.deepEqual(std(once).jsonSchema.input(TARGET), std(schema).jsonSchema.input(TARGET));
    assert.deepEqual(std(once).jsonSchema.output(TARGET), std(schema).jsonSchema.output(TARGET));
  });

  it('validates as zod does', async () => {
    const once = convertedOnce(schema);
    assert.deepEqual(await std(once).validate({ text: 'hi' }), await std(schema).validate({ text: 'hi' }));
    const refused = (await std(once).validate({ text: 'far too long a text' })) as { issues?: unknown[] };
    assert.equal(refused.issues?.length, 1);
  });

  it('converts once per schema and process, and hands every caller its own copy', () => {
    let conversions = 0;
    const counted = z.object({ a: z.string() });
    const original = std(counted).jsonSchema.input;
    std(counted).jsonSchema.input = (options) => {
      conversions++;
      return original(options);
    };
    const once = convertedOnce(counted);
    assert.equal(convertedOnce(counted), once, 'one wrapper per schema');
    const first = std(once).jsonSchema.input(TARGET);
    (first['properties'] as Record<string, unknown>)['a'] = 'changed by one caller';
    const second = std(once).jsonSchema.input(TARGET);
    assert.deepEqual(second['properties'], { a: { type: 'string' } });
    assert.equal(conversions, 1);
  });
});
