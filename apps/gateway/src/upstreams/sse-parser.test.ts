import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SseParser } from './sse-parser.ts';

function parse(chunks: string[], finish = true): [string, string][] {
  const events: [string, string][] = [];
  const parser = new SseParser((data, event) => events.push([data, event]));
  for (const chunk of chunks) parser.push(chunk);
  if (finish) parser.end();
  return events;
}

/** The spec's reading of a whole stream at once, to check the incremental parser against. */
function reference(text: string): [string, string][] {
  const events: [string, string][] = [];
  let data: string[] = [];
  let event = '';
  for (const line of [...text.split(/\r\n|\r|\n/), '']) {
    if (line === '') {
      if (data.length > 0) events.push([data.join('\n'), event]);
      data = [];
      event = '';
    } else if (line.startsWith('event:')) event = line.slice(line.startsWith('event: ') ? 7 : 6);
    else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return events;
}

describe('SSE parser', () => {
  it('reads data and event fields with every line ending the spec allows', () => {
    const stream =
      'event: endpoint\ndata: /messages?s=1\n\n: keep-alive\r\ndata:{"a":1}\r\ndata: two\r\rid: 7\ndata: x\n\n';
    assert.deepEqual(parse([stream]), [
      ['/messages?s=1', 'endpoint'],
      ['{"a":1}\ntwo', ''],
      ['x', ''],
    ]);
  });

  it('joins a CRLF split across chunks into one line break', () => {
    assert.deepEqual(parse(['data: a\r', '', '\n\r', '\ndata: b\r', '\r'], false), [
      ['a', ''],
      ['b', ''],
    ]);
  });

  it('dispatches an event the stream ended without its blank line', () => {
    assert.deepEqual(parse(['data: last']), [['last', '']]);
  });

  it('gives the same events however the stream is split into chunks', () => {
    const field = fc.constantFrom('data: ', 'data:', 'event: ', ': ', 'id: ');
    const line = fc.tuple(field, fc.string({ unit: fc.constantFrom('a', 'é', '{', '"', ' ') }));
    const ending = fc.constantFrom('\n', '\r\n', '\r');
    const stream = fc
      .array(fc.tuple(line, ending, fc.boolean()), { maxLength: 20 })
      .map((lines) => lines.map(([[f, v], e, blank]) => `${f}${v}${e}${blank ? e : ''}`).join(''));
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        // Repeated cut points make empty chunks, which a stream may deliver too.
        const points = cuts.map((c) => c % (text.length + 1)).sort((a, b) => a - b);
        const chunks: string[] = [];
        let at = 0;
        for (const point of points) {
          chunks.push(text.slice(at, point));
          at = point;
        }
        chunks.push(text.slice(at));
        assert.deepEqual(parse(chunks), reference(text));
      }),
      { numRuns: 500 },
    );
  });
});
