/**
 * Long-polling (Comet): `GET /longpoll?since=<cursor>` re-sent as soon as the answer arrives
 * (the server holds it until a message after the cursor exists, or its hold expires). After a
 * failure — error status, reset, timeout — the next request waits a jittered, doubling backoff
 * (ClientOptions.reconnect) so a failing server is not hammered by thousands of clients at once.
 */
import { ROUTES } from '../../servers/contract.js';
import { backoffMs } from './reconnect-backoff.js';
import { HttpPollingClient } from './http-polling-base.js';
import type { ClientOptions } from './client-contract.js';

export class LongPollClient extends HttpPollingClient {
  readonly transport = 'longpoll' as const;
  protected readonly awaitsAnswerOnStop = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly onRetry = (): void => {
    this.timer = undefined;
    this.sendPoll();
  };

  constructor(options: ClientOptions) {
    // Held up to the hold before an empty answer: quiet for that long is a healthy server.
    super(options, ROUTES.longpoll, options.holdMs);
  }

  protected onStart(): void {}

  protected onStop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected afterAnswer(ok: boolean): void {
    if (ok) {
      this.failures = 0;
      this.sendPoll();
    } else this.retryLater();
  }

  protected afterFailure(): void {
    this.retryLater();
  }

  private retryLater(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.failures++;
    this.timer = setTimeout(this.onRetry, backoffMs(this.failures, this.reconnect));
  }
}

export const createLongPollClient = (options: ClientOptions): LongPollClient => new LongPollClient(options);
