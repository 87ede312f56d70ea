/**
 * Text from a results file or a compare report (free text: reasons, notes, names) written into
 * Markdown — the report's summary and compare's `--format md` alike — so that a cell cannot break
 * its table, start a heading or smuggle HTML or an entity into the page that renders it.
 */

/**
 * Escapes text for a Markdown table cell or line: backslash before every character Markdown or
 * GFM tables give a meaning (`\ ` `` ` `` `*` `_` `[` `]` `|` `<` `>` `#`), `&` as `&amp;` (so
 * `&lt;` stays those four characters), and a line break as a space.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]|<>#]/g, (ch) => `\\${ch}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n/g, ' ');
}
