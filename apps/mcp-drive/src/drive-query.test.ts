import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDriveQuery } from '../../../test/fakes/google/drive-query.ts';
import { buildDriveQuery, quoteDriveValue } from './drive-query.ts';

describe('Drive query building', () => {
  it('escapes quotes and backslashes so any value stays one literal', () => {
    assert.equal(quoteDriveValue("O'Brien \\ notes"), "'O\\'Brien \\\\ notes'");
    for (const hostile of ["' or trashed = true or name = '", "\\' or '", "a'b\\'c\\\\"]) {
      const q = buildDriveQuery({ nameContains: hostile });
      const parsed = parseDriveQuery(q) as { kind: string; right?: { value?: string } };
      assert.equal(parsed.kind, 'and');
      assert.equal(parsed.right?.value, hostile, q);
    }
  });

  it('always excludes trashed files and combines every criterion', () => {
    assert.equal(buildDriveQuery({}), 'trashed = false');
    assert.equal(
      buildDriveQuery({
        text: 'plan',
        types: ['doc', 'pdf'],
        folderId: 'F1',
        modifiedAfter: '2024-06-01',
        rawQuery: 'starred = true',
      }),
      "trashed = false and fullText contains 'plan' and (mimeType = 'application/vnd.google-apps.document' or mimeType = 'application/pdf') and 'F1' in parents and modifiedTime > '2024-06-01T00:00:00Z' and (starred = true)",
    );
  });

  it('refuses raw queries that would close their parentheses early', () => {
    assert.throws(() => buildDriveQuery({ rawQuery: "name = 'x') or (trashed = true" }), /unbalanced/);
    assert.throws(() => buildDriveQuery({ rawQuery: "name = 'x" }), /unbalanced/);
    assert.doesNotThrow(() => buildDriveQuery({ rawQuery: "name = 'a)b' and (starred = true)" }));
  });
});
