/**
 * TLS for all four transports: the server's own self-signed certificate, clients that trust
 * exactly it (or refuse a certificate they cannot verify, with the TLS error as the failure), bytes
 * counted at the TCP socket — ciphertext, handshake included — equal to what an independent TCP
 * relay carried, and a server that survives TLS garbage. Real servers on 127.0.0.1 port 0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import https from 'node:https';
import { TRANSPORTS, type TransportName } from '../servers/contract.js';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { RecordingTracker, clientOptions, startServer, stopAfter, waitUntil } from './helpers/clients-harness.js';
import { startRelay } from './helpers/tcp-relay.js';

const TEST_TIMEOUT_MS = 30_000;

test('tls: the server makes its own certificate; all four clients trusting it get 1..N over HTTPS / WSS', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 40, heartbeatMs: 200, tls: 'self-signed' });
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(server.certificate ?? '', /^-----BEGIN CERTIFICATE-----/);
  const trackers = new Map<TransportName, RecordingTracker>();
  const clients = TRANSPORTS.map((transport) => {
    const tracker = new RecordingTracker(0);
    trackers.set(transport, tracker);
    return stopAfter(t, CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { tls: { ca: server.certificate, verify: true } })));
  });
  await Promise.all(clients.map((client) => client.start()));
  await waitUntil(() => [...trackers.values()].every((tr) => tr.seqs.length >= 20), '20 messages on every transport', 15_000);
  for (const [transport, tracker] of trackers) {
    tracker.seqs.slice(0, 20).forEach((seq, i) => assert.equal(seq, i + 1, `${transport}: message #${i}`));
    assert.deepEqual(tracker.errors, [], transport);
  }
  for (const client of clients) {
    const sample = client.wireSample();
    // One TLS 1.3 handshake with an ECDSA certificate: a ClientHello of a few hundred bytes up,
    // ServerHello … Finished with the certificate down.
    assert.ok((sample.tlsHandshakeUpBytes ?? 0) > 200, `${client.transport}: handshake up ${String(sample.tlsHandshakeUpBytes)}`);
    assert.ok((sample.tlsHandshakeDownBytes ?? 0) > 400, `${client.transport}: handshake down ${String(sample.tlsHandshakeDownBytes)}`);
    assert.ok(client.wire().readBytes > (sample.tlsHandshakeDownBytes ?? 0), client.transport);
  }
});

test('tls: bytes at the client meter equal the TCP payload an independent relay carried (ciphertext, handshake in)', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // No feed ticks, no heartbeats: nothing leaves the server unasked while a client closes, so
  // nothing is on the wire after the client stopped reading (which a relay, like a capture, sees).
  const server = await startServer(t, { rate: 0, heartbeatMs: 0, tls: 'self-signed' });
  for (const transport of TRANSPORTS) {
    const relay = await startRelay(t, server.port);
    const tracker = new RecordingTracker(0);
    // Through the relay: the certificate names 127.0.0.1, which the relay's address is too.
    const client = CLIENTS[transport](clientOptions(`https://127.0.0.1:${relay.port}`, tracker, [], 50, { tls: { ca: server.certificate, verify: true } }));
    await client.start();
    for (let i = 0; i < 8; i++) {
      server.publish(`m${i}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitUntil(() => tracker.seqs.length >= 8, `${transport}: 8 messages`, 10_000);
    await client.stop();
    await waitUntil(() => relay.open() === 0, `${transport}: relay connections closed`, 5_000);
    const counted = client.wire();
    assert.equal(counted.writtenBytes, relay.up(), `${transport}: bytes up at the meter vs the relay`);
    assert.equal(counted.readBytes, relay.down(), `${transport}: bytes down at the meter vs the relay`);
    assert.deepEqual(tracker.errors, [], transport);
  }
});

test('tls: a client that cannot verify the certificate fails to start with the TLS error, and --insecure-style skipping connects', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const server = await startServer(t, { rate: 20, tls: 'self-signed' });
  for (const transport of TRANSPORTS) {
    const tracker = new RecordingTracker(0);
    const client = CLIENTS[transport](clientOptions(server.url, tracker, [], 50, { tls: { verify: true } }));
    await assert.rejects(client.start(), (error: Error & { code?: string }) => {
      assert.match(error.code ?? '', /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/, `${transport}: ${String(error.code)} ${error.message}`);
      return true;
    });
    const skipping = stopAfter(t, CLIENTS[transport](clientOptions(server.url, new RecordingTracker(0), [], 50, { tls: { verify: false } })));
    await skipping.start();
  }
});

test('tls: garbage instead of a TLS handshake is refused, and the server keeps serving others', { timeout: TEST_TIMEOUT_MS }, async (t) => {
  // A handshake that stalls (a record announced but never sent in full) is cut after the request timeout.
  const server = await startServer(t, { rate: 20, tls: 'self-signed', requestTimeoutMs: 1_000 });
  const garbage = ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', '\x16\x03\x01\x00\x20' + 'A'.repeat(32), '\x16\x03\x01\xff\xff' + 'A'.repeat(2000), '\x00'.repeat(64)];
  for (const bytes of garbage) {
    const closed = await new Promise<boolean>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write(bytes, 'latin1'));
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 5_000);
      socket.on('error', () => undefined);
      socket.resume(); // read the server's alert, and so its FIN
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    assert.ok(closed, `the server closed the connection that sent ${JSON.stringify(bytes.slice(0, 12))}`);
  }
  const status = await new Promise<number>((resolve, reject) => {
    https.get(`${server.url}/healthz`, { ca: server.certificate }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 200, 'healthz over HTTPS after the garbage');
  assert.ok(server.stats().badRequests >= 3, `the refusals are counted (${server.stats().badRequests})`);
});
