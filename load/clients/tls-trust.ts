/**
 * How this process's clients and probes trust each HTTPS origin it benches: the runner sets it
 * once per server (the embedded server's own certificate, a --ca file, the system store, or no
 * verification for a loopback target), and every connection to that origin — the clients in the
 * workers (through ConnectCommand.tls) and the /healthz and /stats probes here — uses it.
 */
import type { ClientTls } from './tcp-connect.js';

const byOrigin = new Map<string, ClientTls>();

const h2cOrigins = new Set<string>();

/** This origin speaks cleartext HTTP/2 only (h2c with prior knowledge): probes must too. */
export function markH2c(url: string): void {
  h2cOrigins.add(new URL(url).origin);
}

export function speaksH2c(url: string): boolean {
  return h2cOrigins.has(new URL(url).origin);
}

export function trustOrigin(url: string, tls: ClientTls): void {
  byOrigin.set(new URL(url).origin, tls);
}

/** The TLS settings for `url`'s origin; undefined for http: (and for an https: origin never set: the system store, verified). */
export function tlsFor(url: string): ClientTls | undefined {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') return undefined;
  return byOrigin.get(parsed.origin) ?? { verify: true };
}
