/**
 * The body of a poll or long-poll answer: `[` + message texts joined by `,` + `]`, the texts
 * being the pre-serialized strings (never re-stringified), a gap signal first when owed.
 *
 * Bodies are cached per cursor until the history moves on: thousands of pollers mostly share
 * a cursor (they all saw the same last message), so each distinct cursor costs one join and
 * one Buffer per new message, not one per request.
 */
import { serializeGap, serializeReset, type ResetSignal } from './contract.js';
import type { MessageHistory } from './history.js';

/** More distinct cursors than this between two messages is unusual; those bodies are built uncached. */
const MAX_CACHED_CURSORS = 256;
export const EMPTY_ARRAY = Buffer.from('[]');

export class JsonArrayBodies {
  private readonly cache = new Map<number, Buffer>();
  private cachedForHead = -1;

  constructor(private readonly history: MessageHistory) {}

  after(since: number): Buffer {
    const head = this.history.head;
    if (since >= head) return EMPTY_ARRAY;
    if (this.cachedForHead !== head) {
      this.cache.clear();
      this.cachedForHead = head;
    }
    let body = this.cache.get(since);
    if (body === undefined) {
      const { gap, messages } = this.history.after(since);
      const parts = messages.map((m) => m.text);
      if (gap !== undefined) parts.unshift(serializeGap(gap));
      body = Buffer.from(`[${parts.join(',')}]`);
      if (this.cache.size < MAX_CACHED_CURSORS) this.cache.set(since, body);
    }
    return body;
  }

  /** The answer to a reset cursor: the signal, then everything from the start of this epoch. */
  afterReset(reset: ResetSignal): Buffer {
    const rest = this.after(0);
    const signal = serializeReset(reset);
    return Buffer.from(rest.length === 2 ? `[${signal}]` : `[${signal},${rest.toString('utf8', 1)}`);
  }
}
