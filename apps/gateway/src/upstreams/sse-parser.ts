/**
 * Incremental parser for `text/event-stream` bodies (WHATWG HTML §9.2.6), reduced to what MCP uses: the
 * `data` and `event` of each event. Comments (keep-alives), `id` and `retry` fields are skipped.
 */
export class SseParser {
  #buffer = '';
  /** The last chunk ended in CR: a leading LF in the next one belongs to that line break. */
  #pendingCr = false;
  #data: string[] = [];
  #event = '';

  /** `event` is the event's type ('' when it names none): the deprecated HTTP+SSE transport needs `endpoint`. */
  constructor(private readonly onData: (data: string, event: string) => void) {}

  push(chunk: string): void {
    if (chunk === '') return;
    let next = chunk;
    if (this.#pendingCr) {
      this.#pendingCr = false;
      if (next.charCodeAt(0) === 10) next = next.slice(1);
    }
    const text = this.#buffer + next;
    // One pass with a cursor, starting after the kept partial line (it holds no line break): re-slicing the
    // buffer per line cost a copy of the rest of it for every line.
    let start = 0;
    for (let i = this.#buffer.length; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.#line(text.slice(start, i));
      if (c === 13) {
        if (i + 1 === text.length) this.#pendingCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    this.#buffer = start === 0 ? text : text.slice(start);
  }

  /** End of stream: an event without its blank line is dispatched, as browsers do not, but servers that
   * close right after the last event sometimes omit it. */
  end(): void {
    if (this.#buffer.length > 0) this.#line(this.#buffer);
    this.#buffer = '';
    this.#line('');
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.onData(this.#data.join('\n'), this.#event);
      this.#data = [];
      this.#event = '';
      return;
    }
    if (line.startsWith('event:')) this.#event = line.slice(line.charCodeAt(6) === 32 ? 7 : 6);
    else if (line.startsWith('data:')) this.#data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  }
}
