/**
 * The instrumented clients, one per transport. A fifth transport is one more client file and
 * one more entry here.
 */
import type { TransportName } from '../../servers/contract.js';
import { createLongPollClient } from './long-poll-client.js';
import { createPollClient } from './short-poll-client.js';
import { createSseClient } from './sse-client.js';
import type { ClientFactory } from './client-contract.js';
import { createWsClient } from './ws-client.js';

export const CLIENTS: Record<TransportName, ClientFactory> = {
  poll: createPollClient,
  longpoll: createLongPollClient,
  sse: createSseClient,
  ws: createWsClient,
};
