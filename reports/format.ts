/**
 * Number formatting shared by the HTML and Markdown reports. Fixed to en-US so a report reads
 * the same on every machine (and tests can compare strings).
 */
import type { RunStatus } from '../load/results/results-schema.js';

const EN = 'en-US';

/** Why a report shows only some steps, by the run's status; '' for a complete run. */
export function runStatusNote(status: RunStatus): string {
  switch (status) {
    case 'complete':
      return '';
    case 'running':
      return 'The run is still going (or was cut off before it ended): only the steps finished so far are shown.';
    case 'interrupted':
      return 'The run was interrupted: only the steps that finished are shown.';
    case 'failed':
      return 'The run failed after some steps: only the steps that finished are shown.';
  }
}

/** 1000 → "1,000". */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString(EN);
}

/** Three significant digits at most, never scientific notation, thousands separated. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude >= 100) return formatCount(value);
  const digits = magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(magnitude)) + 1);
  return Number(value.toFixed(digits)).toLocaleString(EN, { maximumFractionDigits: digits });
}

/** µs → "502 ms", "0.41 ms", "1.2 s". */
export function formatLatencyUs(us: number): string {
  if (us >= 10_000_000) return `${formatNumber(us / 1_000_000)} s`;
  return `${formatNumber(us / 1000)} ms`;
}

/** A configured duration: "500 ms", "2 s", "1.5 s". */
export function formatDurationMs(ms: number): string {
  return ms >= 1000 ? `${formatNumber(ms / 1000)} s` : `${formatNumber(ms)} ms`;
}

export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1024 ** 3) return `${formatNumber(bytes / 1024 ** 3)} GiB`;
  if (Math.abs(bytes) >= 10 * 1024 * 1024) return `${formatNumber(bytes / (1024 * 1024))} MiB`;
  if (Math.abs(bytes) >= 10 * 1024) return `${formatNumber(bytes / 1024)} KiB`;
  return `${formatNumber(bytes)} B`;
}

/** Decimal megabits per second, as on the chart axis. */
export function formatMbps(mbps: number): string {
  return `${formatNumber(mbps)} Mbps`;
}

/** A ratio as a multiple: 41.3 → "41×", 2.46 → "2.5×". */
export function formatRatio(ratio: number): string {
  return ratio >= 10 ? `${formatCount(ratio)}×` : `${Number(ratio.toFixed(1)).toLocaleString(EN)}×`;
}

/** 0.9996 → "99.96 %" (never rounds a loss away to 100 %). */
export function formatFraction(fraction: number): string {
  const percent = fraction * 100;
  if (percent === 100) return '100 %';
  const text = percent.toFixed(2);
  return `${text === '100.00' ? '99.99' : text} %`;
}

/** Signed percentage for residuals: "+3.1 %", "−0.4 %". */
export function formatSignedPercent(percent: number): string {
  const text = Math.abs(percent) >= 100 ? formatCount(Math.abs(percent)) : Math.abs(percent).toFixed(1);
  return `${percent < 0 ? '−' : '+'}${text} %`;
}

const TRANSPORT_LABELS: Readonly<Record<string, string>> = {
  poll: 'short polling',
  longpoll: 'long-polling',
  sse: 'SSE',
  ws: 'WebSocket',
};

/** A transport's display name; a transport added later shows under its wire name until named here. */
export function transportLabel(transport: string): string {
  return TRANSPORT_LABELS[transport] ?? transport;
}

/** A transport's display name with its variant in a run of several ("SSE · HTTP/2 + TLS"). */
export function transportVariantLabel(item: { transport: string; variant: string | null }): string {
  return item.variant === null ? transportLabel(item.transport) : `${transportLabel(item.transport)} · ${item.variant}`;
}

/**
 * A value from a results file (free text: a CPU model, a target URL) cut to `chars` for a
 * one-line message; the file is untrusted input and may hold megabytes in one string.
 */
export function clipText(value: unknown, chars = 120): string {
  const text = String(value);
  return text.length > chars ? `${text.slice(0, chars)}… (${text.length} characters)` : text;
}
