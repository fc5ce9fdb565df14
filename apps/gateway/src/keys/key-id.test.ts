import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEY_ID_PATTERN, newKeyId } from './key-id.ts';

describe('newKeyId', () => {
  it('sorts in creation order, also within one millisecond and when the clock steps back', () => {
    const now = Date.now();
    const times = [now, now, now, now, now + 1, now + 1, now - 5_000, now + 2];
    const ids = [...times, ...Array.from({ length: 500 }, () => now + 3)].map((t) => newKeyId(t));
    for (let i = 1; i < ids.length; i++) {
      assert.ok((ids[i] ?? '') > (ids[i - 1] ?? ''), `${ids[i]} sorts after ${ids[i - 1]}`);
    }
    for (const id of ids) {
      assert.match(id, KEY_ID_PATTERN);
      assert.equal(id.length, 24);
    }
    assert.equal(new Set(ids).size, ids.length);
  });

  it('keeps the creation time readable in the id', () => {
    const later = newKeyId(Date.now() + 60_000);
    const after = newKeyId(Date.now() + 120_000);
    assert.ok(after.slice(0, 12) > later.slice(0, 12), 'a later millisecond has a larger time prefix');
  });
});
