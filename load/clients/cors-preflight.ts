/**
 * The browser's side of CORS for one simulated client (WHATWG Fetch §4.8–4.9): which answers a
 * page may read, and the preflight before a non-simple request with the browser's preflight cache.
 *
 * The cache modelled is Chromium's (services/network/public/cpp/cors/preflight_cache.cc and
 * preflight_result.cc): one per browser — here per client —, keyed by origin and the request's
 * full URL, query included, so a poll whose cursor moved is a new URL and needs a new preflight;
 * an entry lives `Access-Control-Max-Age` seconds, capped at 7200 (Chromium; Firefox allows
 * 86400), 5 s when the header is absent or unreadable, not at all when it is 0; at most 1024
 * entries. Hand-written because no library models a browser's preflight cache; it is a map.
 */
import type { ClientTracker } from '../meter/delivery-tracker.js';
import type { CrossOrigin } from './header-profiles.js';
import { headerValue } from './http-connection.js';
import type { WireSample } from '../results/results-schema.js';
import type { ClientErrorKind } from './client-errors.js';

/** What is modelled, recorded in the results (RunConfig.crossOrigin.preflightCache). */
export const CHROMIUM_PREFLIGHT_CACHE = {
  browser: 'Chromium',
  maxAgeCapSeconds: 7200,
  defaultMaxAgeSeconds: 5,
  maxEntries: 1024,
} as const;

/**
 * The CORS check (Fetch §4.9): the page may read the answer only if Access-Control-Allow-Origin
 * is its origin (or `*` without credentials) and, with credentials, Allow-Credentials is `true`.
 */
export function corsGranted(headers: readonly string[], crossOrigin: CrossOrigin): boolean {
  const allowOrigin = headerValue(headers, 'access-control-allow-origin');
  if (allowOrigin !== crossOrigin.origin && !(allowOrigin === '*' && !crossOrigin.credentials)) return false;
  return !crossOrigin.credentials || headerValue(headers, 'access-control-allow-credentials') === 'true';
}

/** Chromium's reading of Access-Control-Max-Age, in seconds (see the module comment). */
export function preflightMaxAgeSeconds(header: string | undefined): number {
  const model = CHROMIUM_PREFLIGHT_CACHE;
  if (header === undefined || !/^\d+$/.test(header.trim())) return model.defaultMaxAgeSeconds;
  return Math.min(Number(header.trim()), model.maxAgeCapSeconds);
}

export class PreflightCache {
  /** key → expiry (performance.now() ms), oldest first. */
  private readonly entries = new Map<string | number, number>();

  fresh(key: string | number, nowMs: number): boolean {
    const expiresMs = this.entries.get(key);
    if (expiresMs === undefined) return false;
    if (expiresMs > nowMs) return true;
    this.entries.delete(key);
    return false;
  }

  store(key: string | number, maxAgeHeader: string | undefined, nowMs: number): void {
    const seconds = preflightMaxAgeSeconds(maxAgeHeader);
    this.entries.delete(key);
    if (seconds <= 0) return;
    if (this.entries.size >= CHROMIUM_PREFLIGHT_CACHE.maxEntries) {
      for (const [old, expiresMs] of this.entries) if (expiresMs <= nowMs) this.entries.delete(old);
      const oldest = this.entries.keys().next();
      if (this.entries.size >= CHROMIUM_PREFLIGHT_CACHE.maxEntries && oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, nowMs + seconds * 1000);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * One client's preflights for one kind of request (a route and method): asks the cache, counts
 * what goes out and comes back, and judges the answer as the browser would — a 2xx that grants
 * the origin (and credentials), the method (unless CORS-safelisted) and every header asked for.
 */
export class CorsPreflighter {
  private readonly cache = new PreflightCache();
  private sentUs = 0;
  private requestBytes = 0;
  private key: string | number = '';

  constructor(
    private readonly crossOrigin: CrossOrigin,
    private readonly method: string,
    /** Lower-case names the request carries beyond the CORS-safelisted ones (e.g. `authorization`). */
    private readonly unsafeHeaders: readonly string[],
    private readonly tracker: ClientTracker,
    private readonly sample: WireSample,
  ) {}

  /** Whether a request to `key` (its URL) needs a preflight now; a hit in the cache is counted. */
  needed(key: string | number, nowUs: number): boolean {
    if (this.cache.fresh(key, nowUs / 1000)) {
      this.tracker.onPreflightCacheHit(nowUs);
      return false;
    }
    return true;
  }

  /** A preflight of `requestBytes` for `key` went out at `sentUs`. */
  sent(key: string | number, requestBytes: number, sentUs: number): void {
    this.key = key;
    this.requestBytes = requestBytes;
    this.sentUs = sentUs;
    this.sample.preflightRequestBytes = requestBytes;
  }

  /**
   * Its answer arrived (`responseBytes` = head + body on the wire). Returns undefined when the
   * browser would go on with the request (and caches the grant), else the error kind.
   */
  answered(statusCode: number, headers: readonly string[], responseBytes: number, receivedUs: number): ClientErrorKind | undefined {
    this.sample.preflightResponseBytes = responseBytes;
    this.tracker.onPreflight(this.requestBytes, responseBytes, this.sentUs, receivedUs);
    if (statusCode < 200 || statusCode > 299) return `cors_preflight_${statusCode}`;
    if (!corsGranted(headers, this.crossOrigin) || !this.allows(headers)) return 'cors_preflight_denied';
    this.cache.store(this.key, headerValue(headers, 'access-control-max-age'), receivedUs / 1000);
    return undefined;
  }

  private allows(headers: readonly string[]): boolean {
    const listed = (name: string): Set<string> =>
      new Set((headerValue(headers, name) ?? '').split(',').map((item) => item.trim().toLowerCase()).filter((item) => item !== ''));
    const wildcard = !this.crossOrigin.credentials;
    const methods = listed('access-control-allow-methods');
    const safelistedMethod = this.method === 'GET' || this.method === 'HEAD' || this.method === 'POST';
    if (!safelistedMethod && !methods.has(this.method.toLowerCase()) && !(wildcard && methods.has('*'))) return false;
    const allowed = listed('access-control-allow-headers');
    return this.unsafeHeaders.every((name) => allowed.has(name) || (wildcard && allowed.has('*') && name !== 'authorization'));
  }
}
