/**
 * Where the elements of a poll answer's JSON array lie in its bytes, so each message's
 * `textBytes` is *measured* as the length of its text on the wire, not recomputed by
 * re-serializing the parsed object (which would agree only if the server serialized exactly as
 * JSON.stringify does). The elements are JSON objects (contract.ts: messages and the gap
 * signal); between them only commas and JSON whitespace (RFC 8259 §2) may appear.
 *
 * It only finds boundaries — strings (with their escapes) are skipped so a brace inside a
 * payload is not taken for structure; each element's text is then given to JSON.parse.
 */

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Fills `bounds` with [start, end) byte offsets of the top-level objects of the array in `body`
 * (two numbers per element) and returns how many there are, or -1 if `body` is not an array of
 * objects.
 */
export function arrayElementBounds(body: Buffer, bounds: number[]): number {
  bounds.length = 0;
  const length = body.length;
  let i = 0;
  while (i < length && isJsonWhitespace(body[i] as number)) i++;
  if (body[i] !== OPEN_BRACKET) return -1;
  i++;
  let depth = 0;
  let start = -1;
  let expectElement = true;
  for (; i < length; i++) {
    const byte = body[i] as number;
    if (depth > 0) {
      if (byte === QUOTE) {
        // Skip the string; a backslash escapes the next byte (RFC 8259 §7).
        for (i++; i < length; i++) {
          const c = body[i] as number;
          if (c === BACKSLASH) i++;
          else if (c === QUOTE) break;
        }
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) bounds.push(start, i + 1);
      }
      continue;
    }
    if (isJsonWhitespace(byte)) continue;
    if (byte === OPEN_BRACE && expectElement) {
      depth = 1;
      start = i;
      expectElement = false;
    } else if (byte === COMMA && !expectElement) expectElement = true;
    else if (byte === CLOSE_BRACKET && (!expectElement || bounds.length === 0)) {
      for (i++; i < length; i++) if (!isJsonWhitespace(body[i] as number)) return -1;
      return bounds.length / 2;
    } else return -1;
  }
  return -1;
}
