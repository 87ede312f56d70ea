/**
 * Write-stall detection for streams the server pushes to (SSE): a frozen peer — SIGSTOPped, a
 * laptop asleep behind a live NAT — keeps ACKing from its kernel until its receive buffer and our
 * send buffer are full, and a stream without upstream has nothing to ask it. What the server can
 * see is a socket that takes no byte while data waits in the process: that is what is watched.
 *
 * One timer scans every stream (a few property reads each); only streams with data waiting get
 * an entry, so healthy streams cost nothing but the scan.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What the watch reads of a stream: the bytes it still holds and its socket. */
export interface WatchedStream {
  readonly writableLength: number;
  readonly socket: Socket | null;
  readonly destroyed: boolean;
}

interface Progress {
  /** Bytes the kernel had taken when they last moved. */
  takenBytes: number;
  /** When they last moved, ms (performance.now()). */
  sinceMs: number;
}

export class WriteStallWatch<S extends WatchedStream> {
  private readonly waiting = new WeakMap<S, Progress>();
  private readonly timer: NodeJS.Timeout | undefined;

  /**
   * @param timeoutMs a stream whose socket took no byte for this long while data waited is
   *   handed to `onStall`, at most a check period (a quarter of it, 50 ms to 1 s) later; 0 = never.
   * @param streams the streams to scan, read at each check.
   */
  constructor(
    private readonly timeoutMs: number,
    private readonly streams: () => Iterable<S>,
    private readonly onStall: (stream: S) => void,
  ) {
    if (timeoutMs > 0) this.timer = setInterval(this.check, Math.min(1000, Math.max(50, Math.floor(timeoutMs / 4))));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private readonly check = (): void => {
    const nowMs = performance.now();
    const stalled: S[] = [];
    for (const stream of this.streams()) {
      const socket = stream.socket;
      if (socket === null || stream.destroyed || stream.writableLength + socket.writableLength === 0) {
        this.waiting.delete(stream);
        continue;
      }
      // bytesWritten counts what is still queued too; minus the queue, it is what the kernel took.
      const taken = socket.bytesWritten - socket.writableLength;
      const progress = this.waiting.get(stream);
      if (progress === undefined || progress.takenBytes !== taken) this.waiting.set(stream, { takenBytes: taken, sinceMs: nowMs });
      else if (nowMs - progress.sinceMs >= this.timeoutMs) stalled.push(stream);
    }
    // After the scan: onStall removes the stream from the collection being scanned.
    for (const stream of stalled) {
      this.waiting.delete(stream);
      this.onStall(stream);
    }
  };
}
