/**
 * Reading an upstream publish (contract.ts `PublishRequest`), the same for `POST /publish`
 * bodies and WebSocket text frames.
 */
import type { PublishRequest } from './contract.js';

export function parsePublishRequest(text: string): PublishRequest | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: `body is not JSON: send {"data": "<text>", "sent": <µs monotonic, optional>}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: 'body must be a JSON object {"data": "<text>", "sent": <µs, optional>}' };
  }
  const { data, sent } = value as Record<string, unknown>;
  if (typeof data !== 'string') {
    return { reason: `"data" must be a string, got ${data === undefined ? 'nothing' : typeof data}` };
  }
  if (sent !== undefined && (typeof sent !== 'number' || !Number.isFinite(sent) || sent < 0)) {
    return { reason: `"sent" must be a non-negative number of µs (monotonic clock), got ${JSON.stringify(sent)}` };
  }
  return sent === undefined ? { data } : { data, sent };
}
