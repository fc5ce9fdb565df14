/**
 * Per-caller FIFO queues served round robin: each caller with waiting items gets one turn per round, so
 * one key's burst waits behind its own items, not in front of everybody else's.
 */
export class FairQueue<T extends { callerKey: string }> {
  // A Map iterates in insertion order: the first key is the caller whose turn it is.
  #queues = new Map<string, T[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get callers(): number {
    return this.#queues.size;
  }

  push(item: T): void {
    const queue = this.#queues.get(item.callerKey);
    if (queue === undefined) this.#queues.set(item.callerKey, [item]);
    else queue.push(item);
    this.#size++;
  }

  /** Puts an item back at the very front (its turn was interrupted, e.g. by a pause). */
  unshift(item: T): void {
    const queue = this.#queues.get(item.callerKey) ?? [];
    queue.unshift(item);
    this.#queues.delete(item.callerKey);
    this.#queues = new Map([[item.callerKey, queue], ...this.#queues]);
    this.#size++;
  }

  /** The next item in round-robin order; its caller moves to the back of the round. */
  shift(): T | undefined {
    const first = this.#queues.entries().next();
    if (first.done === true) return undefined;
    const [callerKey, queue] = first.value;
    const item = queue.shift();
    this.#queues.delete(callerKey);
    if (queue.length > 0) this.#queues.set(callerKey, queue);
    if (item !== undefined) this.#size--;
    return item;
  }

  remove(item: T): boolean {
    const queue = this.#queues.get(item.callerKey);
    if (queue === undefined) return false;
    const index = queue.indexOf(item);
    if (index === -1) return false;
    queue.splice(index, 1);
    if (queue.length === 0) this.#queues.delete(item.callerKey);
    this.#size--;
    return true;
  }

  depthOf(callerKey: string): number {
    return this.#queues.get(callerKey)?.length ?? 0;
  }

  /**
   * How many queued items would be served before a new item of `callerKey`: its own queued items, plus at
   * most that many + 1 of every other caller (one per round).
   */
  aheadOf(callerKey: string): number {
    const own = this.depthOf(callerKey);
    let ahead = own;
    for (const [key, queue] of this.#queues) {
      if (key !== callerKey) ahead += Math.min(queue.length, own + 1);
    }
    return ahead;
  }

  drain(): T[] {
    const all = [...this.#queues.values()].flat();
    this.#queues.clear();
    this.#size = 0;
    return all;
  }
}
