/**
 * What a person sees during and after `wirebench bench`: a live line on stderr (transport,
 * step, clients connected, time left) and a table at the end on stdout. When stderr is not a
 * terminal (CI logs), one line per phase instead of a redrawn line.
 */
import { entryConfig, entryName } from '../load/results/run-variants.js';
import { formatEta, stylerFor } from './terminal-style.js';
import type { RunEvent } from '../load/run/runner.js';
import type { ResultsDocument, RunConfig, StepResult } from '../load/results/results-schema.js';
import { FIGURES, figuresIn, hasH2Frames, type FigureId } from '../load/results/figure-registry.js';
import { FIGURE_LEGEND, figureCell } from '../reports/figure-cells.js';
import { textTableLines } from '../reports/text-table.js';
import { formatCount } from '../reports/format.js';
import { shardClientCount } from '../load/run/step-schedule.js';

export class BenchProgress {
  private timer: NodeJS.Timeout | undefined;
  private line = '';
  private last: Extract<RunEvent, { kind: 'phase' }> | undefined;
  private transportLabel = '';
  private readonly tty: boolean;
  private readonly style: ReturnType<typeof stylerFor>;
  /** Whole-run ETA: steps finished so far and when the run started. */
  private readonly startedAtMs = Date.now();
  private stepsDone = 0;
  private lastStepEndMs = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly config: RunConfig,
  ) {
    this.tty = out.isTTY === true;
    this.style = stylerFor(out);
    // unref: the display must never be what keeps the process alive.
    if (this.tty) this.timer = setInterval(() => this.redraw(), 250).unref();
  }

  onEvent(event: RunEvent): void {
    switch (event.kind) {
      case 'transport':
        this.transportLabel = `[${event.index + 1}/${event.of}] ${event.name ?? event.transport}`;
        this.print(`${this.transportLabel}: server ${event.url}${event.pid === null ? '' : ` (pid ${event.pid})`}`);
        break;
      case 'phase': {
        const changed = this.last?.phase !== event.phase || this.last.clients !== event.clients;
        this.last = event;
        if (this.tty) this.redraw();
        else if (changed) this.print(this.describe(event));
        break;
      }
      case 'step': {
        const s = event.step;
        if (s.status === 'ok') {
          const m = s.measurement;
          const sat = m.generator.saturated ? `  ${this.style('yellow', 'GENERATOR-SATURATED')}` : '';
          const figure = (id: FigureId) => `${FIGURES[id].name} ${figureCell(id, s, this.config)}`;
          this.print(`${this.stepLabel(s.clients)}: ${this.style('green', 'ok')} — ${figuresIn('progress').map(figure).join(', ')}${sat}`);
        } else {
          this.print(`${this.stepLabel(s.clients)}: ${this.style('red', 'FAILED')} — ${s.reason}`);
        }
        const faults = s.measurement?.faults;
        if (faults) {
          const ms = (us: number) => `${Math.round(us / 1000)} ms`;
          const recover = faults.recovery.count > 0 ? `recover p50 ${ms(faults.recovery.p50Us)} p99 ${ms(faults.recovery.p99Us)}` : 'nobody recovered';
          const reset = s.measurement?.server?.connectionsReset ?? 0;
          const serverResets = reset > 0 ? `, connections reset by the server ${reset}` : '';
          this.print(
            `${this.stepLabel(s.clients)}: faults — ${faults.injected.map((f) => f.kind).join(', ')}: lost ${s.measurement?.window.messages.lost ?? 0}, recovered ${faults.recovered}, duplicated ${s.measurement?.window.messages.duplicated ?? 0}, epoch resets ${faults.resets}, ${recover}, unrecovered ${faults.unrecovered}${serverResets}`,
          );
        }
        for (const note of s.notes ?? []) this.print(`${this.stepLabel(s.clients)}: note — ${note}`);
        this.last = undefined;
        this.stepsDone++;
        this.lastStepEndMs = Date.now();
        break;
      }
      case 'notice':
        this.print(`wirebench: ${event.message}`);
        break;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clearLine();
  }

  private describe(e: Extract<RunEvent, { kind: 'phase' }>): string {
    const left = e.endsAtMs === undefined ? '' : `, ${Math.max(0, Math.ceil((e.endsAtMs - Date.now()) / 1000))} s left`;
    const steps = this.config.clients.length;
    const stepIndex = this.config.clients.indexOf(e.clients) + 1;
    const eta = this.tty ? this.style('dim', `; run ~${formatEta(this.runLeftMs())} left`) : '';
    return `${this.transportLabel} step ${stepIndex}/${steps} (${formatCount(e.clients)} clients): ${e.phase}, ${this.connectedOf(e)}${left}${eta}`;
  }

  /**
   * A finished step's label: its clients with separators, and with --shard the share this
   * process ran (the step's count is the whole run's), e.g. `16,000 clients (shard 2/4: 4,000)`.
   */
  private stepLabel(clients: number): string {
    const shard = this.config.shard;
    const share = shard === undefined ? '' : ` (shard ${shard.index}/${shard.count}: ${formatCount(shardClientCount(clients, shard))})`;
    return `${this.transportLabel} ${formatCount(clients)} clients${share}`;
  }

  /**
   * Clients connected against the clients this process runs: with --shard, the shard's share of
   * the step (its count is the whole run's), so a shard never reads as 1,000 of 16,000 connected.
   */
  private connectedOf(e: Extract<RunEvent, { kind: 'phase' }>): string {
    const shard = this.config.shard;
    if (shard === undefined) return `${formatCount(e.connected)} of ${formatCount(e.clients)} connected`;
    return `shard ${shard.index}/${shard.count}: ${formatCount(e.connected)} of ${formatCount(shardClientCount(e.clients, shard))} clients connected`;
  }

  /**
   * Whole-run time left: the steps still to run × the average step so far — or, before the first
   * step ends, the configuration's own estimate, less what the current step has used — (connect at the connect rate, warm-up, window,
   * repeats, and ~1.5 s to start and gather).
   */
  private runLeftMs(): number {
    const c = this.config;
    const totalSteps = c.transports.length * c.clients.length;
    const elapsed = Date.now() - this.startedAtMs;
    const estimate = (clients: number) => ((clients / c.connectRate) * 1000 + c.warmupMs + c.durationMs) * c.repeat + 1500;
    if (this.stepsDone === 0) {
      const perTransport = c.clients.reduce((sum, clients) => sum + estimate(clients), 0);
      return Math.max(0, perTransport * c.transports.length - elapsed);
    }
    const average = (this.lastStepEndMs - this.startedAtMs) / this.stepsDone;
    // The step under way has already used some of its share.
    return Math.max(0, average * (totalSteps - this.stepsDone) - (Date.now() - this.lastStepEndMs));
  }

  private redraw(): void {
    if (!this.last) return;
    this.clearLine();
    this.line = this.describe(this.last);
    this.out.write(this.line);
  }

  private clearLine(): void {
    if (this.tty && this.line) {
      this.out.write('\r\x1b[K');
      this.line = '';
    }
  }

  private print(text: string): void {
    this.clearLine();
    this.out.write(`${text}\n`);
  }
}

/** The end-of-run table: one row per step, the figures people compare, named and written as in the report and compare. */
export function printSummaryTable(out: NodeJS.WritableStream, document: ResultsDocument): void {
  const steps = document.results.flatMap((result) => result.steps.map((step) => ({ transport: entryName(document.config, result), config: entryConfig(document.config, result), step })));
  const table = (figures: readonly FigureId[], note: (step: StepResult) => string): string => {
    const header = ['transport', 'clients', 'status', ...figures.map((id) => FIGURES[id].name), 'note'];
    const rows = steps.map(({ transport, config, step }) => [transport, String(step.clients), step.status, ...figures.map((id) => (step.measurement ? figureCell(id, step, config) : '')), note(step)]);
    // transport, clients and status read as words; the figures as numbers; the note runs on.
    return `${textTableLines([header, ...rows], { numeric: header.map((_, i) => i >= 3), freeLastCell: true }).join('\n')}\n`;
  };
  out.write(
    table(figuresIn('steps', document), (step) => {
      const saturated = step.measurement?.generator.saturated ? 'generator-saturated' : '';
      return [saturated, step.status === 'failed' ? step.reason : ''].filter(Boolean).join('; ');
    }),
  );
  out.write(`${FIGURE_LEGEND}\n`);
  // --capture: the TCP/IP layer beneath the socket figures, per direction.
  if (steps.some(({ step }) => step.measurement?.capture)) {
    out.write(`\nTCP/IP layer (packet capture, client connections only):\n`);
    out.write(table(figuresIn('capture', document), (step) => (step.measurement?.capture?.droppedPackets ? `capture dropped ${step.measurement.capture.droppedPackets} packets` : step.measurement && !step.measurement.capture ? 'not captured' : '')));
  }
  // HTTP/2 runs: the frames' plaintext by kind beneath TLS, and what opening a connection and its first request cost.
  if (hasH2Frames(document)) {
    out.write(`\nHTTP/2 frames (plaintext beneath TLS, per delivered message; handshake and request heads per connection):\n`);
    out.write(table(figuresIn('h2', document), (step) => (step.measurement && !step.measurement.window.h2FrameBytes ? 'not over HTTP/2' : '')));
  }
  if (document.environment.captureUnavailable) out.write(`--capture: ${document.environment.captureUnavailable}; no TCP/IP layer\n`);
  if (document.status !== 'complete') out.write(`run ${document.status}: ${document.results.reduce((a, r) => a + r.steps.length, 0)} step(s) kept\n`);
}
