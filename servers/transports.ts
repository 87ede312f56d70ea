/**
 * The one list of transports. A fifth transport is its name in contract.ts `TRANSPORTS` plus
 * one file here; the Record type makes the compiler insist on both.
 */
import type { TransportName } from './contract.js';
import { longpollTransport } from './longpoll-transport.js';
import { pollTransport } from './poll-transport.js';
import { sseTransport } from './sse-transport.js';
import type { TransportDefinition } from './transport.js';
import { wsTransport } from './ws-transport.js';

export const TRANSPORT_DEFINITIONS: Record<TransportName, TransportDefinition> = {
  poll: pollTransport,
  longpoll: longpollTransport,
  sse: sseTransport,
  ws: wsTransport,
};
