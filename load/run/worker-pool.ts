/**
 * The load workers of one step: a child process each (load/run/worker.ts), spoken to over the
 * IPC channel (worker-protocol.ts). The pool splits a step's clients evenly, reports connect
 * progress, gathers one kind of answer from every worker within a timeout, and kills them all
 * when the step ends. A worker that dies or reports an error answers whatever the controller is
 * waiting for at once, so no wait outlives a dead worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sleep } from './abortable-sleep.js';
import type { ControllerMessage, WorkerMessage } from './worker-protocol.js';

const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

/** A worker's answer of `type`, or its error. */
export type WorkerAnswer<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }> | Extract<WorkerMessage, { type: 'error' }>;

/** One load worker: the child process and the controller's waits on its messages. */
class WorkerHandle {
  readonly child: ChildProcess;
  private readonly waiters = new Map<string, (message: WorkerMessage) => void>();
  private exitError: string | undefined;

  constructor(onProgress: (connected: number) => void) {
    this.child = fork(WORKER_PATH, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress(message.connected);
      else if (message.type === 'error') {
        // A worker's failure answers whatever the controller is waiting for, at once.
        this.exitError = message.message;
        for (const resolve of this.waiters.values()) resolve(message);
        return;
      }
      this.waiters.get(message.type)?.(message);
    });
    // 'close', not 'exit': it comes after the IPC channel has delivered the worker's last message.
    this.child.once('close', (code, signal) => {
      this.exitError ??= `load worker exited (${signal ?? `code ${String(code)}`})`;
      for (const resolve of this.waiters.values()) resolve({ type: 'error', message: this.exitError });
    });
  }

  /** The next message of `type`, or an error message if the worker dies first. */
  next<T extends WorkerMessage['type']>(type: T): Promise<WorkerAnswer<T>> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        resolve({ type: 'error', message: this.exitError ?? 'load worker exited' });
        return;
      }
      this.waiters.set(type, resolve as (message: WorkerMessage) => void);
    });
  }

  send(message: ControllerMessage): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** Worker `index`'s share of `total` (clients, publishers) split as evenly as possible over `count`. */
export function shareOf(total: number, count: number, index: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

export class WorkerPool {
  private readonly workers: WorkerHandle[];
  private readonly connectedByWorker: number[];

  /** Starts `count` workers; `onProgress` gets the clients connected so far over all of them. */
  constructor(readonly count: number, onProgress: (connected: number) => void) {
    this.connectedByWorker = new Array<number>(count).fill(0);
    this.workers = Array.from({ length: count }, (_, i) =>
      new WorkerHandle((connected) => {
        this.connectedByWorker[i] = connected;
        onProgress(this.connected);
      }),
    );
  }

  /** Clients connected so far over every worker (from their progress messages). */
  get connected(): number {
    return this.connectedByWorker.reduce((a, b) => a + b, 0);
  }

  /** Sends worker i the message `messageFor(i)`. */
  sendEach(messageFor: (index: number) => ControllerMessage): void {
    this.workers.forEach((worker, i) => worker.send(messageFor(i)));
  }

  broadcast(message: ControllerMessage): void {
    for (const worker of this.workers) worker.send(message);
  }

  /**
   * Every worker's next message of `type` (an error message for a worker that failed), or null
   * when they have not all answered within `timeoutMs` or `signal` aborted first.
   */
  gather<T extends WorkerMessage['type']>(type: T, timeoutMs: number, signal: AbortSignal): Promise<Array<WorkerAnswer<T>> | null> {
    return Promise.race([Promise.all(this.workers.map((w) => w.next(type))), sleep(timeoutMs, signal).then(() => null)]);
  }

  kill(): void {
    for (const worker of this.workers) worker.kill();
  }
}
