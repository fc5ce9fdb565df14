/**
 * Incremental parser for `text/event-stream` bodies (WHATWG HTML §9.2.6), reduced to what MCP uses: the
 * `data` and `event` of each event. Comments (keep-alives), `id` and `retry` fields are skipped.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];
  #event = '';

  /** `event` is the event's type ('' when it names none): the deprecated HTTP+SSE transport needs `endpoint`. */
  constructor(private readonly onData: (data: string, event: string) => void) {}

  push(chunk: string): void {
    this.#buffer += chunk;
    let newline = this.#buffer.search(/\r\n|\r|\n/);
    while (newline !== -1) {
      const line = this.#buffer.slice(0, newline);
      const skip = this.#buffer.startsWith('\r\n', newline) ? 2 : 1;
      this.#buffer = this.#buffer.slice(newline + skip);
      this.#line(line);
      newline = this.#buffer.search(/\r\n|\r|\n/);
    }
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
