/**
 * The vocabulary of figures: what each number the tools print is called, its unit, the layer its
 * bytes are counted at, whether it covers the measured window or the whole step, its kind, how it
 * is read from a measurement and how it is written. The end table (scripts/bench-progress.ts), the
 * HTML report and the Markdown (reports/tables.ts) and compare (reports/compare.ts) all read the
 * definitions here, so the same step shows the same number under the same name everywhere.
 *
 * This is the seed of the results model of issue 13: a figure added here is one entry.
 */

/** What "bytes" means wherever wirebench shows them without a capture layer. */
export const BYTES_SCOPE =
  "Bytes are counted at the clients' TCP sockets: HTTP request and response heads, bodies, chunk framing, SSE fields, WebSocket handshakes, frame headers and masks, heartbeats — no TCP/IP headers and no ACK segments.";

/** Added when the run carries a packet capture's figures. */
export const CAPTURE_SCOPE = 'The TCP/IP layer (the headers of every segment, ACK-only segments included) comes from a packet capture of the same run.';
