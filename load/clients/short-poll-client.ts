/**
 * Short polling: `GET /poll?since=<cursor>` every `intervalMs` on a fixed-rate schedule
 * (start + k × interval, not "interval after the answer", so a slow server does not quietly
 * lower the request rate). If the answer to the previous poll is still outstanding when a tick
 * is due, the next poll goes as soon as it arrives — one poll, however many ticks were missed.
 * A failed poll is retried at the next tick, or after the jittered backoff
 * (ClientOptions.reconnect) if that is later, so a failing server is not polled at full rate by
 * every client at once; the cursor travels with the retry, as always.
 */
import { ROUTES } from '../../servers/contract.js';
import { backoffMs } from './reconnect-backoff.js';
import { HttpPollingClient } from './http-polling-base.js';
import type { ClientOptions } from './client-contract.js';

export class PollClient extends HttpPollingClient {
  readonly transport = 'poll' as const;
  protected readonly awaitsAnswerOnStop = true;
  private timer: NodeJS.Timeout | undefined;
  private nextDueMs = 0;
  /** A tick came while a poll was outstanding: poll again when its answer arrives. */
  private tickOwed = false;
  /** Consecutive failed polls (0 after an answer). */
  private failures = 0;
  private readonly onTick = (): void => this.tick();

  constructor(options: ClientOptions) {
    // Between two polls the connection is quiet for an interval.
    super(options, ROUTES.poll, options.intervalMs);
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

  /** A tick fell due while the answer was on its way, or falls due as it arrives: poll now. */
  protected afterAnswer(ok: boolean): void {
    if (!ok) return this.afterFailure();
    this.failures = 0;
    if (this.tickOwed || this.nextDueMs <= performance.now()) {
      this.tickOwed = false;
      this.pollNow();
    }
  }

  /**
   * Retry at the next tick (pollNow() already moved the schedule past the failed poll's tick), or
   * after the backoff when that is later; the fixed-rate schedule resumes from there.
   */
  protected afterFailure(): void {
    this.tickOwed = false;
    this.failures++;
    const nowMs = performance.now();
    if (this.nextDueMs <= nowMs) this.advance();
    const retryAtMs = nowMs + backoffMs(this.failures, this.reconnect);
    while (this.nextDueMs < retryAtMs) this.nextDueMs += this.options.intervalMs;
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onTick, Math.max(0, this.nextDueMs - performance.now()));
  }

  /** The timer fired: a tick is due. With an answer outstanding, the tick waits for it (no timer until then). */
  private tick(): void {
    if (this.stopped) return;
    if (this.requestInFlight) this.tickOwed = true;
    else this.pollNow();
  }

  private pollNow(): void {
    if (this.stopped) return;
    this.advance();
    this.sendPoll();
    this.schedule();
  }

  /** Moves the schedule one interval on; ticks missed entirely (a blocked event loop) are not made up for. */
  private advance(): void {
    const nowMs = performance.now();
    const intervalMs = this.options.intervalMs;
    this.nextDueMs += intervalMs;
    if (this.nextDueMs <= nowMs) this.nextDueMs += Math.ceil((nowMs - this.nextDueMs) / intervalMs + 1e-9) * intervalMs;
  }
}

export const createPollClient = (options: ClientOptions): PollClient => new PollClient(options);
