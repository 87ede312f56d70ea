/**
 * Header profiles: the request headers a simulated client sends besides the request line and
 * Host. Polling costs are dominated by them, so results name the profile they were measured with.
 *
 * - `minimal`: nothing beyond what HTTP/1.1 requires — the request line and Host (RFC 9112 §3.2);
 *   persistent connections are the HTTP/1.1 default (RFC 9112 §9.3), so no Connection header.
 *   Transports still add what they need to work: SSE `Accept: text/event-stream`, the WebSocket
 *   handshake headers ws writes itself (RFC 6455 §4.1), Content-Type / Content-Length on publish.
 * - `browser`: what desktop Chrome 138 on Linux sends for a same-origin `fetch()` from a logged-in
 *   web app (DevTools → Network → "Copy as fetch" / "Copy request headers" of such a request),
 *   in Chrome's HTTP/1.1 header order, with a Cookie of `cookieBytes` bytes. Over HTTP/2 the
 *   fields are those headless Chromium sends there (test/browser-h2-headers.test.ts keeps them in
 *   step): lower-cased, the EventSource's cache fields first, `priority: u=1, i` last.
 *
 * The page is modelled as `https://app.example.com/` (unless a base URL is given): realtime
 * features live on HTTPS sites, and a fixed origin keeps the profile's bytes independent of the
 * loopback port a run happens to get. Values are the HTTPS ones (Chrome only advertises `br` and
 * `zstd` to secure origins). Accept-Encoding is sent as the browser sends it; a wirebench server
 * answers uncompressed unless the run asks for compression (fairness: off on every transport by
 * default), and then `minimal` gets `Accept-Encoding: gzip, br` (a client must ask to be answered compressed).
 */
import type { Compression } from '../../servers/contract.js';
import type { HeaderProfile } from '../results/results-schema.js';

export type HeaderProfileName = HeaderProfile['name'];
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * Default Cookie size. A logged-in site typically carries a session id and a CSRF token
 * (~45 bytes each), two Google Analytics cookies (~90), and a consent-manager pair (OneTrust
 * `OptanonConsent` + `OptanonAlertBoxClosed`, ~350): ~600 bytes, in the middle of the
 * 400–1,000 bytes typical of logged-in sites. `--cookie-bytes` sets any other size.
 */
export const DEFAULT_COOKIE_BYTES = 600;

/** The page the browser profile's fetches come from (see the module comment). */
export const DEFAULT_PAGE_URL = new URL('https://app.example.com/');

const CHROME_VERSION = '138';
const USER_AGENT = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME_VERSION}.0.0.0 Safari/537.36`;
const SEC_CH_UA = `"Not)A;Brand";v="8", "Chromium";v="${CHROME_VERSION}", "Google Chrome";v="${CHROME_VERSION}"`;

const MINIMAL_SOURCE = 'HTTP/1.1 minimum (RFC 9112): request line and Host only; keep-alive is the HTTP/1.1 default';
const BROWSER_SOURCE =
  `Chrome ${CHROME_VERSION} desktop on Linux, same-origin fetch() from a logged-in HTTPS app ` +
  '(DevTools "Copy as fetch"), Chrome\'s HTTP/1.1 header order; EventSource / WebSocket / POST variants per the Fetch ' +
  'standard and Chrome; Cookie synthesized to cookieBytes from typical session, CSRF, analytics and consent cookies';

/** Realistic cookies, in the order a site sets them; the Cookie value is cut / padded to size. */
const COOKIE_TEMPLATES = [
  'sessionid=k3v9q2x7m4t8w1z6c5b0n2r7y4u9p3s8',
  'csrftoken=Yf3kLw9QpZ2xRt7VbN4mJc8sHd1gKe6a',
  '_ga=GA1.1.1734029516.1726651183',
  '_ga_7XK2M9QH4D=GS1.1.1726651183.14.1.1726655947.0.0.0',
  'OptanonAlertBoxClosed=2024-09-18T09:20:11.482Z',
  'OptanonConsent=isGpcEnabled=0&datestamp=Wed+Sep+18+2024+11%3A20%3A11+GMT%2B0200&version=202408.1.0&browserGpcFlag=0' +
    '&isIABGlobal=false&hosts=&consentId=3f6c2a91-7d4e-4b8a-9c1f-5e2d8a7b6c43&interactionCount=1&isAnonUser=1' +
    '&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A1%2CC0004%3A0&AwaitingReconsent=false',
  'theme=dark',
  'tz=Europe%2FBerlin',
];

const FILLER_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function filler(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += FILLER_ALPHABET[(i * 37 + 11) % FILLER_ALPHABET.length];
  return text;
}

/** A Cookie header value of exactly `bytes` ASCII bytes ('' for 0). */
export function cookieValue(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`cookieBytes ${bytes} is not a non-negative integer`);
  let value = '';
  for (const cookie of COOKIE_TEMPLATES) {
    const next = value === '' ? cookie : `${value}; ${cookie}`;
    if (next.length > bytes) break;
    value = next;
  }
  const remaining = bytes - value.length;
  if (remaining === 0) return value;
  if (value === '') return remaining <= 4 ? filler(remaining) : `sid=${filler(remaining - 4)}`;
  // Room for one more cookie, or lengthen the last value by a few characters.
  return remaining >= 8 ? `${value}; prefs=${filler(remaining - 8)}` : value + filler(remaining);
}

/**
 * The profile named `name`. `pageUrl` is the page the browser's fetches come from (Referer, and
 * Origin where a browser sends it); default {@link DEFAULT_PAGE_URL}.
 */
export function resolveHeaderProfile(
  name: HeaderProfileName,
  cookieBytes: number = DEFAULT_COOKIE_BYTES,
  pageUrl: URL = DEFAULT_PAGE_URL,
): HeaderProfile {
  if (name === 'minimal') return { name, cookieBytes: 0, source: MINIMAL_SOURCE, headers: [] };
  const headers: Array<[string, string]> = [
    ['Connection', 'keep-alive'],
    ['sec-ch-ua-platform', '"Linux"'],
    ['User-Agent', USER_AGENT],
    ['sec-ch-ua', SEC_CH_UA],
    ['sec-ch-ua-mobile', '?0'],
    ['Accept', '*/*'],
    ['Sec-Fetch-Site', 'same-origin'],
    ['Sec-Fetch-Mode', 'cors'],
    ['Sec-Fetch-Dest', 'empty'],
    ['Referer', `${pageUrl.origin}/`],
    ['Accept-Encoding', 'gzip, deflate, br, zstd'],
    ['Accept-Language', 'en-US,en;q=0.9'],
  ];
  if (cookieBytes > 0) headers.push(['Cookie', cookieValue(cookieBytes)]);
  return { name, cookieBytes, source: BROWSER_SOURCE, headers };
}

/** What kind of request the headers go on; browsers vary them by kind. */
export type RequestKind = 'fetch' | 'sse' | 'ws' | 'publish';

const lower = (name: string): string => name.toLowerCase();

function findHeader(headers: HeaderList, name: string): string | undefined {
  const wanted = lower(name);
  for (const [key, value] of headers) if (lower(key) === wanted) return value;
  return undefined;
}

/** Headers a WebSocket handshake from Chrome does not carry (it is not a fetch; ws writes Connection). */
const NOT_ON_WS = new Set(['accept', 'connection', 'referer', 'sec-fetch-site', 'sec-fetch-mode', 'sec-fetch-dest', 'sec-ch-ua', 'sec-ch-ua-mobile', 'sec-ch-ua-platform']);

/**
 * The profile's headers (as given to a client in ClientOptions.headers) adapted to one kind of
 * request, the way a browser varies them; Host, and the transport's own headers (WebSocket
 * handshake, Content-Type / Content-Length), are the client's business.
 *
 * - every kind: the profile's headers in order;
 * - `sse`: Accept is `text/event-stream` (replaced in place, or added — EventSource sends it,
 *   and the minimal profile needs it too);
 * - browser profiles only (they carry Sec-Fetch-Mode): EventSource fetches with cache mode
 *   "no-store", so Chrome adds `Pragma` / `Cache-Control: no-cache` (Fetch §4.5); a POST carries
 *   `Origin` (Fetch §3.1 "append a request Origin header"); a WebSocket handshake carries Origin,
 *   Pragma and Cache-Control but no Accept, Referer, Sec-Fetch-* or client hints (RFC 6455 §4.1,
 *   Chrome). `Sec-WebSocket-Extensions` is ws's to write (when the run's compression offers permessage-deflate).
 * - compression not off (RequestSite.compression): a fetch or EventSource request without
 *   Accept-Encoding (minimal) gets {@link COMPRESSED_ACCEPT_ENCODING} last.
 */
export function headersForRequest(kind: RequestKind, headers: HeaderList, site: RequestSite = {}): Array<readonly [string, string]> {
  const sameOrigin = sameOriginHeaders(kind, headers);
  const adapted = site.crossOrigin === undefined && site.authorization === undefined ? sameOrigin : adaptToSite(kind, sameOrigin, site);
  const asksCompression = site.compression !== undefined && site.compression !== 'off' && (kind === 'fetch' || kind === 'sse');
  const compressed: Array<readonly [string, string]> = asksCompression && findHeader(adapted, 'accept-encoding') === undefined ? [...adapted, ['Accept-Encoding', COMPRESSED_ACCEPT_ENCODING]] : adapted;
  // Over HTTP/2 Chromium ends a fetch's and an EventSource's fields with its RFC 9218 priority
  // (captured from headless Chromium, test/browser-h2-headers.test.ts); the rest is the HTTP/1.1
  // list in the same order, lower-cased by the connection (h2-connection.ts).
  const browser = findHeader(headers, 'user-agent') !== undefined;
  if (site.http2 !== true || !browser || (kind !== 'fetch' && kind !== 'sse')) return compressed;
  // An EventSource over HTTP/2 leads with its cache fields and Accept after User-Agent (captured).
  const ordered = kind === 'sse' ? leadingFirst(compressed, H2_EVENTSOURCE_LEAD) : compressed;
  return [...ordered, H2_FETCH_PRIORITY];
}

/** The fields Chromium sends first on an EventSource request over HTTP/2, in its order; the rest follow as over HTTP/1.1. */
const H2_EVENTSOURCE_LEAD = ['connection', 'pragma', 'cache-control', 'sec-ch-ua-platform', 'user-agent', 'accept', 'sec-ch-ua', 'sec-ch-ua-mobile'];

function leadingFirst(fields: ReadonlyArray<readonly [string, string]>, lead: readonly string[]): Array<readonly [string, string]> {
  const rank = (name: string) => {
    const at = lead.indexOf(name.toLowerCase());
    return at === -1 ? lead.length : at;
  };
  // Array.prototype.sort is stable: the fields not in `lead` keep their order.
  return [...fields].sort((a, b) => rank(a[0]) - rank(b[0]));
}

/** The priority field Chromium sends on a fetch / EventSource request over HTTP/2 (urgency 1, incremental). */
export const H2_FETCH_PRIORITY = ['priority', 'u=1, i'] as const;

/** What a client without an Accept-Encoding of its profile asks for when the run compresses. */
export const COMPRESSED_ACCEPT_ENCODING = 'gzip, br';

/** Where the page is relative to the feed server, and what the app adds to its fetches. */
export interface RequestSite {
  /** The page is on another origin (absent: the same origin). */
  crossOrigin?: CrossOrigin;
  /** An `Authorization` value the app sends on its fetches (poll, long-poll, publish); absent: none. */
  authorization?: string;
  /** The run's compression: not `off`, fetches and EventSource requests accept compressed answers. Absent: off. */
  compression?: Compression;
  /** The request goes over HTTP/2 (the browser profile then adds Chromium's h2-only fields). Absent: HTTP/1.1. */
  http2?: boolean;
}

export interface CrossOrigin {
  /** The page's origin, sent as `Origin`. */
  origin: string;
  /**
   * fetch `credentials: 'include'` / EventSource `withCredentials`: the Cookie goes on HTTP requests
   * and the answer must carry `Access-Control-Allow-Credentials: true`. Off: no Cookie (the page
   * authenticates, if at all, with Authorization). WebSocket handshakes carry the Cookie either way.
   */
  credentials: boolean;
}

/**
 * A same-origin request adapted the way Chromium adapts it (checked against headless Chromium's
 * own requests, test/browser-cors.test.ts): Authorization right after `sec-ch-ua-platform` (first
 * without client hints); cross-origin, `Origin` just before `Sec-Fetch-Site` (last without
 * Sec-Fetch-*), `Sec-Fetch-Site: same-site` (the page is modelled on app.example.com reading
 * api.example.com), and no Cookie without credentials. EventSource and WebSocket cannot carry
 * Authorization; a WebSocket handshake already carries Origin in the browser profile.
 */
function adaptToSite(kind: RequestKind, headers: ReadonlyArray<readonly [string, string]>, site: RequestSite): Array<readonly [string, string]> {
  const fetchLike = kind === 'fetch' || kind === 'publish';
  const authorization = fetchLike ? site.authorization : undefined;
  const cross = site.crossOrigin;
  const out: Array<readonly [string, string]> = authorization !== undefined && findHeader(headers, 'sec-ch-ua-platform') === undefined ? [['Authorization', authorization]] : [];
  // A browser POST / WebSocket handshake already carries Origin: its value changes, its place stays.
  let origin = cross === undefined || findHeader(headers, 'origin') !== undefined;
  for (const header of headers) {
    const name = lower(header[0]);
    if (cross !== undefined && name === 'origin') {
      out.push([header[0], cross.origin]);
      origin = true;
    } else if (cross !== undefined && kind !== 'ws' && name === 'sec-fetch-site') {
      if (!origin) out.push(['Origin', cross.origin]);
      origin = true;
      out.push([header[0], 'same-site']);
    } else if (!(cross !== undefined && !cross.credentials && kind !== 'ws' && name === 'cookie')) out.push(header);
    if (authorization !== undefined && name === 'sec-ch-ua-platform') out.push(['Authorization', authorization]);
  }
  if (!origin && cross !== undefined) out.push(['Origin', cross.origin]);
  return out;
}

/**
 * The CORS preflight Chromium sends before a non-simple request (recorded from headless Chromium:
 * `OPTIONS` with Accept, the two Access-Control-Request-* headers, Origin, User-Agent,
 * Sec-Fetch-*, Referer and the Accept-* of the profile — no Cookie, Authorization or client
 * hints). Headers the profile does not have (minimal) are left out; Origin and the request
 * headers never are. `unsafeHeaders`: the request's non-safelisted header names, lower-case,
 * sorted, comma-joined as Chromium writes them.
 */
export function preflightHeaders(headers: HeaderList, crossOrigin: CrossOrigin, method: string, unsafeHeaders: string): Array<readonly [string, string]> {
  const browser = findHeader(headers, 'sec-fetch-mode') !== undefined;
  const fromProfile = (name: string): Array<readonly [string, string]> => {
    const value = findHeader(headers, name);
    return value === undefined ? [] : [[name, value]];
  };
  return [
    ...fromProfile('Connection'),
    ...(browser ? ([['Accept', '*/*']] as const) : []),
    ['Access-Control-Request-Method', method],
    ...(unsafeHeaders === '' ? [] : ([['Access-Control-Request-Headers', unsafeHeaders]] as const)),
    ['Origin', crossOrigin.origin],
    ...fromProfile('User-Agent'),
    ...(browser
      ? ([
          ['Sec-Fetch-Mode', 'cors'],
          ['Sec-Fetch-Site', 'same-site'],
          ['Sec-Fetch-Dest', 'empty'],
        ] as const)
      : []),
    ...fromProfile('Referer'),
    ...fromProfile('Accept-Encoding'),
    ...fromProfile('Accept-Language'),
  ];
}

/** An `Authorization: Bearer …` value of exactly `bytes` bytes (at least 8), like a JWT of that size. */
export function authorizationValue(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 8) throw new RangeError(`authorization bytes ${bytes} is not an integer >= 8`);
  return `Bearer ${filler(bytes - 7)}`;
}

function sameOriginHeaders(kind: RequestKind, headers: HeaderList): Array<readonly [string, string]> {
  const browser = findHeader(headers, 'sec-fetch-mode') !== undefined;
  const referer = findHeader(headers, 'referer');
  const origin = browser && referer !== undefined ? new URL(referer).origin : undefined;
  const noCache: Array<readonly [string, string]> = browser
    ? [
        ['Pragma', 'no-cache'],
        ['Cache-Control', 'no-cache'],
      ]
    : [];
  switch (kind) {
    case 'fetch':
      return [...headers];
    case 'sse': {
      const out: Array<readonly [string, string]> = [];
      let accept = false;
      for (const header of headers) {
        if (lower(header[0]) === 'accept') {
          out.push([header[0], 'text/event-stream']);
          accept = true;
          out.push(...noCache);
        } else out.push(header);
      }
      if (!accept) out.push(['Accept', 'text/event-stream'], ...noCache);
      return out;
    }
    case 'ws': {
      const out: Array<readonly [string, string]> = [...noCache];
      for (const header of headers) {
        if (NOT_ON_WS.has(lower(header[0]))) continue;
        out.push(header);
        if (origin !== undefined && lower(header[0]) === 'user-agent') out.push(['Origin', origin]);
      }
      return out;
    }
    case 'publish': {
      if (origin === undefined) return [...headers];
      const out: Array<readonly [string, string]> = [];
      for (const header of headers) {
        if (lower(header[0]) === 'referer') out.push(['Origin', origin]);
        out.push(header);
      }
      return out;
    }
  }
}
