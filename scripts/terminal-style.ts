/**
 * Colours for a terminal, only where they belong: a TTY whose colour support Node reports
 * (`hasColors()` honours NO_COLOR, NODE_DISABLE_COLORS, FORCE_COLOR and TERM=dumb). Piped or
 * redirected output — a CI log, a file — stays plain text.
 */
import { inspect } from 'node:util';

export type TextStyle = 'green' | 'red' | 'yellow' | 'dim' | 'bold';

export function stylerFor(stream: NodeJS.WritableStream): (style: TextStyle, text: string) => string {
  const tty = stream as Partial<NodeJS.WriteStream>;
  const colours = tty.isTTY === true && typeof tty.hasColors === 'function' && tty.hasColors();
  // util.styleText would check process.stdout, not the stream we write to; inspect.colors holds the same SGR codes.
  return colours ? (style, text) => `\x1b[${inspect.colors[style]![0]}m${text}\x1b[${inspect.colors[style]![1]}m` : (_style, text) => text;
}

/** A duration for a person: 45 s, 3m05s, 1h02m. */
export function formatEta(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
