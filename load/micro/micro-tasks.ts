/**
 * What the microbenchmarks time, per message: the server's encode for each transport, the
 * client's parse, and the meter's own cost. Each task calls the code the servers and clients
 * actually run (servers/, load/, ws's own framer and parser) — never a copy of it, so a change
 * there moves these numbers.
 *
 * One call of a task's `run` handles `batch` messages, so the timer's resolution and tinybench's
 * per-call overhead are spread over many messages; results are divided back to one message.
 */
import { createParser } from 'eventsource-parser';
import * as ws from 'ws';
import { monotonicUs, serializeMessage } from '../../servers/contract.js';
import { makePayload } from '../../servers/payloads.js';
import { MessageHistory, type PreparedMessage } from '../../servers/history.js';
import { JsonArrayBodies } from '../../servers/json-array-body.js';
import { sseEvent } from '../../servers/sse-transport.js';
import { DeliveryTracker, type ClientTracker } from '../meter/delivery-tracker.js';
import { arrayElementBounds } from '../clients/json-array-elements.js';
import { createSseParser } from '../clients/sse-parser.js';
import type { MicroTask } from '../results/micro-schema.js';

export interface MicroCase {
  group: MicroTask['group'];
  name: string;
  transport: string | null;
  reference: boolean;
  /** Handles `batch` messages. */
  run(): void;
}

/** ws exports its framer and parser at run time (`WebSocket.Sender`, `.Receiver`), but @types/ws does not declare them. */
interface WsInternals {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
  Receiver: new (options: { isServer: boolean; allowSynchronousEvents: boolean }) => NodeJS.WritableStream & { on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void };
}
const { Sender, Receiver } = ws as unknown as WsInternals;
const TEXT_OPCODE = 0x1;

function prepared(seq: number, size: number): PreparedMessage {
  return { seq, text: serializeMessage({ seq, ts: monotonicUs(), data: makePayload(size) }) };
}

export function microCases(size: number, batch: number): MicroCase[] {
  const cases: MicroCase[] = [];
  const sample = prepared(1, size);

  // Server: a poll answer carrying one new message (the cache is per head, so every call builds one body).
  const history = new MessageHistory(1024);
  const bodies = new JsonArrayBodies(history);
  let seq = 0;
  cases.push({
    group: 'encode',
    name: 'encode poll body (1 message)',
    transport: 'poll',
    reference: false,
    run() {
      for (let i = 0; i < batch; i++) {
        seq++;
        history.append({ seq, text: sample.text });
        bodies.after(seq - 1);
      }
    },
  });
  cases.push({
    group: 'encode',
    name: 'encode sse event',
    transport: 'sse',
    reference: false,
    run() {
      for (let i = 0; i < batch; i++) sseEvent(sample);
    },
  });
  cases.push({
    group: 'encode',
    name: 'encode ws frame (Sender.frame)',
    transport: 'ws',
    reference: false,
    run() {
      for (let i = 0; i < batch; i++) Sender.frame(Buffer.from(sample.text), { fin: true, opcode: TEXT_OPCODE, mask: false, readOnly: false, rsv1: false });
    },
  });

  // Client: the bytes of one message as they arrive, parsed by what the load clients run.
  const body = Buffer.from(`[${sample.text}]`);
  const bounds: number[] = [];
  cases.push({
    group: 'parse',
    name: 'parse poll body (element bounds)',
    transport: 'poll',
    reference: false,
    run() {
      for (let i = 0; i < batch; i++) arrayElementBounds(body, bounds);
    },
  });
  const eventText = `id: ${sample.seq}\ndata: ${sample.text}\n\n`;
  const eventBytes = Buffer.from(eventText);
  let events = 0;
  const ours = createSseParser({ onEvent: () => void events++ });
  cases.push({
    group: 'parse',
    name: 'parse sse event (load/sse-parser)',
    transport: 'sse',
    reference: false,
    run() {
      for (let i = 0; i < batch; i++) ours.feed(eventBytes);
    },
  });
  const peer = createParser({ onEvent: () => void events++ });
  cases.push({
    group: 'parse',
    name: 'parse sse event (eventsource-parser)',
    transport: 'sse',
    reference: true,
    run() {
      // eventsource-parser takes text: the socket's bytes must be decoded first, as a client would.
      for (let i = 0; i < batch; i++) peer.feed(eventBytes.toString('utf8'));
    },
  });
  const frame = Buffer.concat(Sender.frame(Buffer.from(sample.text), { fin: true, opcode: TEXT_OPCODE, mask: false, readOnly: false, rsv1: false }));
  const receiver = new Receiver({ isServer: false, allowSynchronousEvents: true });
  receiver.on('message', () => void events++);
  cases.push({
    group: 'parse',
    name: 'parse ws frame (Receiver)',
    transport: 'ws',
    reference: false,
    run() {
      for (let i = 0; i < batch; i++) receiver.write(frame);
    },
  });

  // The meter: one delivered message through the tracker (both histograms record: in the window).
  let tracker: ClientTracker = freshClient();
  let meterSeq = 0;
  const textBytes = Buffer.byteLength(sample.text);
  cases.push({
    group: 'meter',
    name: 'meter onMessage + histogram record',
    transport: null,
    reference: false,
    run() {
      // A fresh client now and then keeps the per-client seen-flags bounded.
      if (meterSeq > 1_000_000) {
        tracker = freshClient();
        meterSeq = 0;
      }
      const now = monotonicUs();
      for (let i = 0; i < batch; i++) {
        meterSeq++;
        tracker.onMessage({ seq: meterSeq, ts: now - 150 - (i & 1023), data: sample.text }, textBytes, now);
      }
    },
  });
  return cases;
}

function freshClient(): ClientTracker {
  const tracker = new DeliveryTracker();
  const client = tracker.createClient(0);
  client.onConnected(100);
  tracker.openWindow({ startUs: 0, endUs: Number.MAX_SAFE_INTEGER });
  return client;
}
