import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipText } from './clip-text.ts';

describe('clipText', () => {
  it('cuts at a boundary, accounts for the rest, and windows join up exactly', () => {
    const text = Array.from({ length: 50 }, (_, i) => `Paragraph ${i} ${'word '.repeat(20)}`).join('\n\n');
    let offset = 0;
    let joined = '';
    for (;;) {
      const window = clipText(text, offset, 1_000);
      assert.ok(window.text.length <= 1_000);
      assert.equal(window.total_chars, text.length);
      assert.equal(window.omitted_chars, text.length - offset - window.text.length);
      joined += window.text;
      if (!window.truncated) break;
      assert.match(window.text, /\n\n$| $/, 'ends at a paragraph or word boundary');
      offset = window.next_offset ?? -1;
    }
    assert.equal(joined, text);
  });

  it('never splits a surrogate pair and handles offsets past the end', () => {
    const emoji = '😀'.repeat(10);
    const window = clipText(emoji, 0, 5);
    assert.equal(window.text, '😀😀');
    assert.equal(clipText('abc', 10, 5).text, '');
    assert.equal(clipText('abc', 10, 5).truncated, false);
  });
});
