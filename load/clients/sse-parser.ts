/**
 * A server-sent events stream parser, following WHATWG HTML §9.2.6 "Interpreting an event
 * stream" (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * Why our own and not eventsource-parser at runtime: the SSE client must see the stream as a
 * browser's EventSource does — including the *last event ID string* that survives a reconnect
 * (the spec keeps it on the EventSource; eventsource-parser forgets `id` after each event) — and
 * must take raw socket Buffers (UTF-8 decoded in streaming fashion, a code point may be split
 * between TCP reads). eventsource-parser stays the reference we are tested against
 * (test/sse-parser.test.ts feeds both the same randomly chunked streams).
 *
 * The rules implemented, each from the spec section named above:
 * - the stream is UTF-8; one leading U+FEFF BOM is skipped (the UTF-8 decode algorithm);
 * - lines end with CRLF, a lone LF or a lone CR — also a CR ending one chunk and an LF starting
 *   the next, which is still one line end;
 * - a blank line dispatches the event; a line starting with ':' is a comment;
 * - `field:value`, with one leading U+0020 SPACE stripped from the value; a line with no colon is
 *   a field name with an empty value; unknown fields are ignored;
 * - `data` appends value + LF to the data buffer (multi-line data is joined with \n, the final LF
 *   removed at dispatch); an empty data buffer (no `data` field) dispatches nothing;
 * - `id` sets the last event ID buffer unless the value contains U+0000 NULL; the last event ID
 *   string is updated from it at every dispatch, even one that dispatches nothing;
 * - `retry` sets the reconnection time if the value is ASCII digits only;
 * - `event` sets the event type; an empty type means the default ("message").
 * - at the end of the stream an incomplete event is discarded ({@link SseParser.reset}).
 *
 * Not in the spec, which sets no limits: with {@link SseParserCallbacks.limits}, a line or an
 * event's data longer than the cap (a stream that never sends a line end or a blank line) stops
 * the parser — {@link SseParserCallbacks.onOverflow} says which — until the next reset().
 */
import { StringDecoder } from 'node:string_decoder';

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;

export interface SseEvent {
  /** The `event` field; undefined for the default type ("message" in a browser). */
  event: string | undefined;
  data: string;
  /** The `id` field seen in this event's block, if any (what eventsource-parser reports as `id`). */
  id: string | undefined;
  /** The EventSource's last event ID string after this dispatch (survives events without `id`). */
  lastEventId: string;
}

export interface SseParserCallbacks {
  onEvent(event: SseEvent): void;
  /** A comment line, without the ':' and one leading space (heartbeats arrive here). */
  onComment?(comment: string): void;
  /** A valid `retry` field: the new reconnection time, ms. */
  onRetry?(retryMs: number): void;
  /** Caps, in characters: one line, and one event's data (its lines joined). Default: none. */
  limits?: { lineChars: number; dataChars: number };
  /** A cap was exceeded: the parser ignores the stream until reset(). */
  onOverflow?(what: 'line' | 'data'): void;
}

export interface SseParser {
  /** Feeds the next piece of the stream: raw bytes (decoded as UTF-8, streaming) or text. */
  feed(chunk: string | Buffer): void;
  /**
   * Starts a new stream (a reconnect): discards the incomplete line and event and the UTF-8 decoder
   * state, re-arms the BOM check. The last event ID string is kept, as the EventSource keeps it.
   */
  reset(): void;
  /** The last event ID string (sent as `Last-Event-ID` on reconnect); '' when none. */
  readonly lastEventId: string;
  /** Part of an event (or of a line) has been fed and its end has not: the rest is still to come. */
  readonly midEvent: boolean;
}

const DIGITS_ONLY = /^[0-9]+$/;

export function createSseParser(callbacks: SseParserCallbacks): SseParser {
  const { onEvent, onComment, onRetry, onOverflow } = callbacks;
  const lineChars = callbacks.limits?.lineChars ?? Infinity;
  const dataChars = callbacks.limits?.dataChars ?? Infinity;
  let overflowed = false;
  let decoder = new StringDecoder('utf8');
  let atStreamStart = true;
  /** An incomplete line carried over from the previous chunk. */
  let partial = '';
  /** The previous chunk ended with CR: an LF starting this one belongs to that line end. */
  let skipLeadingLf = false;
  let data = '';
  let dataLines = 0;
  let eventType = '';
  let idField: string | undefined;
  let lastEventIdBuffer = '';
  let lastEventId = '';

  function dispatch(): void {
    lastEventId = lastEventIdBuffer;
    const id = idField;
    idField = undefined;
    if (dataLines === 0) {
      eventType = '';
      return;
    }
    const event: SseEvent = { event: eventType === '' ? undefined : eventType, data, id, lastEventId };
    data = '';
    dataLines = 0;
    eventType = '';
    onEvent(event);
  }

  function overflow(what: 'line' | 'data'): void {
    overflowed = true;
    partial = '';
    data = '';
    dataLines = 0;
    if (onOverflow !== undefined) onOverflow(what);
  }

  function processLine(line: string): void {
    if (line.length > lineChars) return overflow('line');
    if (line.length === 0) {
      dispatch();
      return;
    }
    if (line.charCodeAt(0) === COLON) {
      if (onComment !== undefined) onComment(line.slice(line.charCodeAt(1) === SPACE ? 2 : 1));
      return;
    }
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case 'data':
        if (data.length + value.length + 1 > dataChars) return overflow('data');
        data = dataLines === 0 ? value : data + '\n' + value;
        dataLines++;
        break;
      case 'id':
        if (!value.includes('\0')) {
          idField = value;
          lastEventIdBuffer = value;
        }
        break;
      case 'event':
        eventType = value;
        break;
      case 'retry':
        if (DIGITS_ONLY.test(value) && onRetry !== undefined) onRetry(Number.parseInt(value, 10));
        break;
      default:
        // Unknown fields are ignored (spec: "Otherwise: The field is ignored").
        break;
    }
  }

  function feedText(input: string): void {
    let text = input;
    if (text.length === 0) return;
    if (atStreamStart) {
      atStreamStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    let pos = 0;
    if (skipLeadingLf) {
      skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) pos = 1;
    }
    const length = text.length;
    // Next CR / LF at or after pos; -1 = none left (cached so mixed line ends stay linear).
    let nextCr = text.indexOf('\r', pos);
    let nextLf = text.indexOf('\n', pos);
    while (pos < length && !overflowed) {
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
      let end: number;
      if (nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)) end = nextCr;
      else if (nextLf !== -1) end = nextLf;
      else break;
      const piece = text.slice(pos, end);
      let line = piece;
      if (partial.length > 0) {
        line = partial + piece;
        partial = '';
      }
      pos = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (pos === length) skipLeadingLf = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
      processLine(line);
    }
    if (overflowed) return;
    if (pos < length) partial += text.slice(pos);
    if (partial.length > lineChars) overflow('line');
  }

  return {
    feed(chunk: string | Buffer): void {
      if (overflowed) return;
      feedText(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    },
    reset(): void {
      overflowed = false;
      decoder = new StringDecoder('utf8');
      atStreamStart = true;
      partial = '';
      skipLeadingLf = false;
      data = '';
      dataLines = 0;
      eventType = '';
      idField = undefined;
      lastEventIdBuffer = lastEventId;
    },
    get lastEventId(): string {
      return lastEventId;
    },
    get midEvent(): boolean {
      return !overflowed && (partial.length > 0 || dataLines > 0 || eventType !== '' || idField !== undefined);
    },
  };
}
