/**
 * What a person sees during and after `wirebench bench`: a live line on stderr (transport,
 * step, clients connected, time left) and a table at the end on stdout. When stderr is not a
 * terminal (CI logs), one line per phase instead of a redrawn line.
 */
import type { RunEvent } from '../load/runner.js';
import type { ResultsDocument, RunConfig } from '../load/results-schema.js';

const usToMs = (us: number) => us / 1000;

export class BenchProgress {
  private timer: NodeJS.Timeout | undefined;
  private line = '';
  private last: Extract<RunEvent, { kind: 'phase' }> | undefined;
  private transportLabel = '';
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly config: RunConfig,
  ) {
    this.tty = out.isTTY === true;
    // unref: the display must never be what keeps the process alive.
    if (this.tty) this.timer = setInterval(() => this.redraw(), 250).unref();
  }

  onEvent(event: RunEvent): void {
    switch (event.kind) {
      case 'transport':
        this.transportLabel = `[${event.index + 1}/${event.of}] ${event.transport}`;
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
          const sat = m.generator.saturated ? '  GENERATOR-SATURATED' : '';
          this.print(
            `${this.transportLabel} ${s.clients} clients: ok — ${fmt(m.derived.bytesPerMessage.down, 0)} B/msg down, p50 ${fmt(usToMs(m.window.latency.p50Us), 2)} ms, lost ${m.window.messages.lost}${sat}`,
          );
        } else {
          this.print(`${this.transportLabel} ${s.clients} clients: FAILED — ${s.reason}`);
        }
        for (const note of s.notes ?? []) this.print(`${this.transportLabel} ${s.clients} clients: note — ${note}`);
        this.last = undefined;
        break;
      }
      case 'written':
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
    return `${this.transportLabel} step ${stepIndex}/${steps} (${e.clients} clients): ${e.phase}, ${e.connected}/${e.clients} connected${left}`;
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

function fmt(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** The end-of-run table: one row per step, the figures people compare. */
export function printSummaryTable(out: NodeJS.WritableStream, document: ResultsDocument): void {
  const header = ['transport', 'clients', 'status', 'B/msg down', 'overhead', 'B/msg up', 'Mbps', 'p50 ms', 'p99 ms', 'lost', 'dup', 'reach', 'srv CPU ms', 'note'];
  const rows: string[][] = [];
  for (const result of document.results) {
    for (const step of result.steps) {
      const m = step.measurement;
      if (!m) {
        rows.push([result.transport, String(step.clients), step.status, '', '', '', '', '', '', '', '', '', '', step.status === 'failed' ? step.reason : '']);
        continue;
      }
      const d = m.derived;
      const cpuMs = m.server ? (m.server.cpuUserUs + m.server.cpuSystemUs) / 1000 : null;
      rows.push([
        result.transport,
        String(step.clients),
        step.status,
        fmt(d.bytesPerMessage.down, 1),
        fmt(d.bytesPerMessage.downOverhead, 1),
        fmt(d.bytesPerMessage.up, 1),
        fmt(d.mbps.total, 3),
        fmt(usToMs(m.window.latency.p50Us), 2),
        fmt(usToMs(m.window.latency.p99Us), 2),
        String(m.window.messages.lost),
        String(m.window.messages.duplicated),
        fmt(d.reach, 3),
        fmt(cpuMs, 0),
        [m.generator.saturated ? 'generator-saturated' : '', step.status === 'failed' ? step.reason : ''].filter(Boolean).join('; '),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === header.length - 1 ? 0 : (r[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padStart(i < 3 ? 0 : widths[i]!).padEnd(widths[i]!))).join('  ');
  out.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
  if (document.status !== 'complete') out.write(`run ${document.status}: ${document.results.reduce((a, r) => a + r.steps.length, 0)} step(s) kept\n`);
}
