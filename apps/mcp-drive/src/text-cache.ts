/**
 * Exported text per (Google account, file, modifiedTime, format), so paging through a long document with
 * `offset` does not export it again for every window. Bounded by total characters, least recently used
 * first out. Keys include the account: a replica serving several callers never hands one account's copy to
 * another (each call still fetches the file's metadata with the caller's own token first).
 */
export class TextCache {
  readonly #entries = new Map<string, { text: string; until: number }>();
  #chars = 0;

  constructor(
    readonly maxChars = 16_000_000,
    readonly ttlMs = 10 * 60_000,
  ) {}

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.until <= Date.now()) {
      this.#chars -= entry.text.length;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.text;
  }

  set(key: string, text: string): void {
    if (text.length > this.maxChars) return;
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#chars -= previous.text.length;
    }
    this.#entries.set(key, { text, until: Date.now() + this.ttlMs });
    this.#chars += text.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#chars <= this.maxChars) break;
      this.#entries.delete(oldest);
      this.#chars -= entry.text.length;
    }
  }
}
