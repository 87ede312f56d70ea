/**
 * The connection an HTTP client (poll, long-poll, SSE, publish) holds, by protocol: HTTP/1.1 on a
 * raw socket (http-connection.ts) or HTTP/2 (h2-connection.ts), over TLS or not — one place that
 * decides, so the clients stay the same code for every protocol.
 */
import { H2Connection } from './h2-connection.js';
import type { H2Session } from './h2-session.js';
import { HttpConnection, endpoint, type HttpChannel, type HttpResponseHandler } from './http-connection.js';
import type { SocketMeter } from '../meter/socket-meter.js';
import type { ClientTls } from './tcp-connect.js';

/** How a client reaches the server: TLS or not, HTTP/2 or HTTP/1.1 (ClientOptions). */
export interface ChannelSite {
  tls?: ClientTls;
  http2?: boolean;
  /** The local address sockets connect from (`--source-addresses`); absent: the system's choice. */
  localAddress?: string;
  /** HTTP/2: the connection this client shares with others (`--h2-clients-per-connection`); absent: its own. */
  h2Session?: H2Session;
}

export function openHttpChannel(baseUrl: URL, meter: SocketMeter, handler: HttpResponseHandler, idleTimeoutMs: number, site: ChannelSite): HttpChannel {
  const { host, port } = endpoint(baseUrl);
  return site.http2 === true
    ? new H2Connection({ host, port, meter, handler, idleTimeoutMs, secure: site.tls, localAddress: site.localAddress, session: site.h2Session })
    : new HttpConnection(host, port, meter, handler, idleTimeoutMs, site.tls, site.localAddress);
}
