/**
 * Incremental parser for `text/event-stream` bodies (WHATWG HTML §9.2.6), reduced to what MCP uses: the
 * `data` of each event. Comments (keep-alives), `event`, `id` and `retry` fields are skipped.
 */
export class SseParser {
  #buffer = '';
  #data: string[] = [];

  constructor(private readonly onData: (data: string) => void) {}

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
      if (this.#data.length > 0) this.onData(this.#data.join('\n'));
      this.#data = [];
      return;
    }
    if (line.startsWith('data:')) this.#data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  }
}
