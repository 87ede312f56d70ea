/**
 * A TCP relay for the byte-count tests: it forwards to 127.0.0.1:`port` and counts the bytes it
 * carries each way — the TCP payload, as a packet capture sees it, measured apart from the
 * clients' meters. Down, it counts until the client closes its side: what the server sends in
 * answer to that FIN (a TLS close_notify, an HTTP/2 GOAWAY) reaches a socket that no longer reads
 * (a capture's "after close").
 */
import net from 'node:net';

export interface TcpRelay {
  port: number;
  up(): number;
  down(): number;
  open(): number;
  /** Connections accepted so far. */
  accepted(): number;
}

export async function startRelay(t: { after(fn: () => unknown): void }, port: number): Promise<TcpRelay> {
  let up = 0;
  let down = 0;
  let open = 0;
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    open++;
    accepted++;
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let clientClosed = false;
    client.on('end', () => (clientClosed = true));
    client.on('data', (chunk: Buffer) => {
      up += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (clientClosed) return;
      down += chunk.length;
      client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      open--;
      upstream.end();
    });
    upstream.on('close', () => client.end());
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => relay.close(() => resolve()));
  });
  return { port: (relay.address() as net.AddressInfo).port, up: () => up, down: () => down, open: () => open, accepted: () => accepted };
}
