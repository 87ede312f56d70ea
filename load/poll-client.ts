/**
 * Short polling: `GET /poll?since=<cursor>` every `intervalMs` on a fixed-rate schedule
 * (start + k × interval, not "interval after the answer", so a slow server does not quietly
 * lower the request rate). If the answer to the previous poll is still outstanding when a tick
 * is due, the next poll goes as soon as it arrives — one poll, however many ticks were missed.
 * A failed poll is simply retried at the next tick (the connection reopens on demand).
 */
import { ROUTES } from '../servers/contract.js';
import { HttpPollingClient } from './polling-client.js';
import type { ClientOptions } from './transport-client.js';

export class PollClient extends HttpPollingClient {
  readonly transport = 'poll' as const;
  protected readonly awaitsAnswerOnStop = true;
  private timer: NodeJS.Timeout | undefined;
  private nextDueMs = 0;
  /** A tick came while a poll was outstanding: poll again when its answer arrives. */
  private tickOwed = false;
  private readonly onTick = (): void => this.tick();

  constructor(options: ClientOptions) {
    super(options, ROUTES.poll);
    if (!(options.intervalMs > 0)) throw new RangeError(`intervalMs ${options.intervalMs} must be > 0`);
  }

  protected onStart(): void {
    const phase = this.options.phase ?? 0;
    this.nextDueMs = performance.now() + this.options.intervalMs * (phase > 0 && phase < 1 ? phase : 1);
    this.schedule();
  }

  protected onStop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected afterAnswer(): void {
    if (this.tickOwed) {
      this.tickOwed = false;
      this.sendPoll();
    }
  }

  protected afterFailure(): void {
    this.tickOwed = false;
  }

  private schedule(): void {
    this.timer = setTimeout(this.onTick, Math.max(0, this.nextDueMs - performance.now()));
  }

  private tick(): void {
    if (this.stopped) return;
    const nowMs = performance.now();
    const intervalMs = this.options.intervalMs;
    this.nextDueMs += intervalMs;
    // Ticks missed entirely (the event loop was blocked) are not made up for.
    if (this.nextDueMs <= nowMs) this.nextDueMs += Math.ceil((nowMs - this.nextDueMs) / intervalMs + 1e-9) * intervalMs;
    if (this.requestInFlight) this.tickOwed = true;
    else this.sendPoll();
    this.schedule();
  }
}

export const createPollClient = (options: ClientOptions): PollClient => new PollClient(options);
