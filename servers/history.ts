/**
 * The bounded history that serves resumes: a ring buffer of the last `capacity` messages.
 * A cursor older than what is kept gets the gap signal (contract.ts `GapSignal`), never a
 * silent skip.
 */
import type { GapSignal } from './contract.js';

/** One published message, serialized once; every transport frames this same text. */
export interface PreparedMessage {
  readonly seq: number;
  /** `serializeMessage(message)` — the exact bytes every transport carries. */
  readonly text: string;
}

/** What a cursor is owed: the gap (if any) and then the messages still kept, oldest first. */
export interface Backlog {
  gap: GapSignal | undefined;
  messages: PreparedMessage[];
}

export class MessageHistory {
  private readonly ring: (PreparedMessage | undefined)[];
  private count = 0;
  private headSeq = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<PreparedMessage | undefined>(capacity);
  }

  /** Highest seq appended (0 before the first). */
  get head(): number {
    return this.headSeq;
  }

  /** Appends the next message; seqs must arrive consecutively. */
  append(message: PreparedMessage): void {
    if (message.seq !== this.headSeq + 1) {
      throw new Error(`history: seq ${message.seq} appended after ${this.headSeq}`);
    }
    this.ring[message.seq % this.capacity] = message;
    this.headSeq = message.seq;
    if (this.count < this.capacity) this.count++;
  }

  /** Appends a message handed over by a predecessor: the first may start anywhere, the rest follow it. */
  restore(message: PreparedMessage): void {
    if (this.count === 0 && this.headSeq === 0) this.headSeq = message.seq - 1;
    this.append(message);
  }

  /** Everything after `since` (exclusive); a cursor in the future is owed nothing yet. */
  after(since: number): Backlog {
    if (since >= this.headSeq) return { gap: undefined, messages: [] };
    const oldest = this.headSeq - this.count + 1;
    const first = Math.max(since + 1, oldest);
    const gap = since + 1 < oldest ? { from: since + 1, to: oldest - 1 } : undefined;
    const messages: PreparedMessage[] = [];
    for (let seq = first; seq <= this.headSeq; seq++) {
      messages.push(this.ring[seq % this.capacity] as PreparedMessage);
    }
    return { gap, messages };
  }
}
