/**
 * Plain-text tables for terminals: compare's text output, the end table of `bench`, and the
 * developer scripts' tables (capture-check, generator-efficiency) — one layout for all.
 */

export interface TextTableOptions {
  /** Per column: right-aligned (numbers) or left-aligned (names, words). */
  numeric: readonly boolean[];
  /**
   * Each row's last cell runs on unpadded and does not widen its column: a note of any length,
   * or a row cut short (e.g. "no capture: <reason>" after the first columns).
   */
  freeLastCell?: boolean;
}

/**
 * Rows (the head first) as aligned lines: every column as wide as its widest cell, two spaces
 * between columns, trailing spaces trimmed. A row may have fewer cells than the head.
 */
export function textTableLines(rows: readonly (readonly string[])[], options: TextTableOptions): string[] {
  const { numeric, freeLastCell = false } = options;
  const measured = (row: readonly string[]) => (freeLastCell ? row.slice(0, -1) : row);
  const widths: number[] = [];
  for (const row of rows) measured(row).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => {
    const last = row.length - 1;
    return row
      .map((cell, i) => (freeLastCell && i === last ? cell : numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  });
}
