/**
 * The Host allow-list, against DNS rebinding: a page on evil.example whose name is made to
 * resolve to 127.0.0.1 reaches a loopback server *same-origin* (no CORS, no Origin check), but
 * its requests still say `Host: evil.example`. So by default a server answers only to names that
 * cannot be rebound — loopback names (`localhost`, `*.localhost`), IP literals — and the host it
 * was told to bind; `allowedHosts` adds names (`*` allows any). The same rule as webpack-dev-server's
 * and Vite's `allowedHosts`.
 */
import { isIP } from 'node:net';

/** The hostname of a Host header value, lower-cased, without the port and IPv6 brackets. */
export function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') === -1 ? undefined : value.indexOf(']'));
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

export class HostAllowList {
  private readonly names: ReadonlySet<string>;
  private readonly any: boolean;

  constructor(bindHost: string, allowedHosts: readonly string[]) {
    this.names = new Set([hostnameOf(bindHost.includes(':') && !bindHost.startsWith('[') ? `[${bindHost}]` : bindHost), ...allowedHosts.map((h) => h.trim().toLowerCase())]);
    this.any = this.names.has('*');
  }

  /** Whether a request with this Host header is served; a request without one (HTTP/1.0) is. */
  allows(hostHeader: string | undefined): boolean {
    if (this.any || hostHeader === undefined) return true;
    const name = hostnameOf(hostHeader);
    return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || this.names.has(name);
  }

  /** One line for the refusal: what came, what is accepted, how to allow it. */
  reason(hostHeader: string): string {
    const name = hostnameOf(hostHeader).slice(0, 100);
    const extra = [...this.names].filter((n) => isIP(n) === 0 && n !== 'localhost');
    return `Host ${JSON.stringify(name)} is not allowed (DNS rebinding protection): this server answers to localhost and IP addresses${extra.length > 0 ? `, ${extra.join(', ')}` : ''}; start it with --allow-host ${name} to serve this name`;
  }
}
