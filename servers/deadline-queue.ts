/**
 * Entries that expire a fixed time after they were added, served by ONE timer.
 *
 * Every entry of a queue gets the same delay, so insertion order is deadline order: the head of
 * an insertion-ordered Map always expires first. Ten thousand held long-polls therefore cost one
 * armed timer, not ten thousand, and a removed entry leaves nothing behind.
 */
import { performance } from 'node:perf_hooks';

interface Entry<V> {
  dueMs: number;
  value: V;
}

export class DeadlineQueue<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly onExpire: (key: K, value: V) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(key: K, value: V): void {
    this.entries.set(key, { dueMs: performance.now() + this.delayMs, value });
    if (this.timer === undefined) this.arm();
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Entries in deadline order; deleting the current one while iterating is safe (Map semantics). */
  *values(): IterableIterator<[K, V]> {
    for (const [key, entry] of this.entries) yield [key, entry.value];
  }

  /** Drops every entry without calling onExpire, and the timer with them. */
  clear(): void {
    this.entries.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    const head = this.entries.values().next();
    if (head.done) {
      this.timer = undefined;
        return;
    }
    this.timer = setTimeout(this.fire, Math.max(0, head.value.dueMs - performance.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const nowMs = performance.now();
    for (const [key, entry] of this.entries) {
      // setTimeout may fire up to 1 ms early relative to performance.now(); treat that as due.
      if (entry.dueMs > nowMs + 1) break;
      this.entries.delete(key);
      this.onExpire(key, entry.value);
    }
    if (this.timer === undefined) this.arm();
  };
}
