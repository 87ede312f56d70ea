/**
 * How this process's clients and probes trust each HTTPS origin it benches: the runner sets it
 * once per server (the embedded server's own certificate, a --ca file, the system store, or no
 * verification for a loopback target), and every connection to that origin — the clients in the
 * workers (through ConnectCommand.tls) and the /healthz and /stats probes here — uses it.
 */
import type { ClientTls } from './tcp-connect.js';

const byOrigin = new Map<string, ClientTls>();

export function trustOrigin(url: string, tls: ClientTls): void {
  byOrigin.set(new URL(url).origin, tls);
}

/** The TLS settings for `url`'s origin; undefined for http: (and for an https: origin never set: the system store, verified). */
export function tlsFor(url: string): ClientTls | undefined {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return undefined;
  return byOrigin.get(parsed.origin) ?? { verify: true };
}
