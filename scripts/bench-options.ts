/**
 * `wirebench bench`'s options: one row per flag (scripts/option-table.ts), keyed by the name
 * commander stores it under — the key `wirebench.config.json`'s `bench` section and presets use.
 * Commander's options, `--help`, the README's table (`npm run docs:options`) and the defaults
 * scripts and the API start from (`benchFlagDefaults`) all come from here; every default is
 * written once, here, or read from the library constant that the run itself falls back to.
 * Cross-option rules (a preset under the flags, --cors-* only with --cross-origin, TLS with
 * --target, …) stay in scripts/bench.ts's `buildConfig`.
 */
import os from 'node:os';
import { COMPRESSIONS, PAYLOADS, TRANSPORTS } from '../servers/contract.js';
import { DEFAULT_RECONNECT } from '../load/clients/reconnect-backoff.js';
import { DEFAULT_COOKIE_BYTES, DEFAULT_PAGE_URL } from '../load/clients/header-profiles.js';
import { PROTOCOLS } from '../load/results/results-schema.js';
import { MAX_H2_CLIENTS_PER_CONNECTION } from '../load/clients/h2-session.js';
import { DEFAULT_LOOP_DELAY_THRESHOLD_US } from '../load/run/runner.js';
import { SERVER_DEFAULTS } from '../servers/server-options.js';
import { UsageError } from './exit-codes.js';
import { durationDefault, type OptionRow, type RawFlags } from './option-table.js';
import {
  parseChoice,
  parseChoiceList,
  parseDurationMs,
  parseFraction,
  parseIntList,
  parsePositiveInt,
  parsePositiveNumber,
  parseTransports,
} from './options.js';
import { SERVER_ARG_OPTION } from './serve-options.js';
import { parseShard, parseSourceAddresses, parseStartAt } from './shard-options.js';
import { FAIL_ON_OPTION, THRESHOLD_OPTION } from './threshold-options.js';

const duration = (raw: string, flag: string) => parseDurationMs(flag, raw);
const durationOrZero = (raw: string, flag: string) => parseDurationMs(flag, raw, { allowZero: true });
const text = (raw: string) => raw;
const on = (raw: string) => raw === 'true';

/** Named scenarios; explicit flags still win over a preset (checked against the table below). */
const PRESETS = {
  // The websocket.org comparison: one message a second, 1 Hz polling, a ~20-byte payload, and
  // the request headers a real browser sends (the paper counted 871 bytes of them).
  'websocket.org': { rate: '1', interval: '1s', size: '20', headers: 'browser' },
  // The same scenario as a browser runs it today: HTTP/2 over TLS for the HTTP transports (HPACK
  // compresses the repeated headers), WebSocket over TLS (wss, HTTP/1.1: RFC 8441 is not in ws).
  'websocket.org-2026': { rate: '1', interval: '1s', size: '20', headers: 'browser', protocol: 'h2' },
  // A first look in under a minute: two small steps, short windows (--quick).
  quick: { clients: '10,50', duration: '2s', warmup: '500ms' },
} as const;

export const BENCH_OPTIONS = {
  transports: {
    flags: '--transports <list>',
    help: `comma-separated transports (${TRANSPORTS.join(', ')}) or all`,
    doc: '`poll,longpoll,sse,ws` (any subset, in that order of drawing) or `all`',
    default: 'all',
    parse: (raw: string, flag: string) => parseTransports(flag, raw),
  },
  clients: {
    flags: '--clients <list>',
    help: 'client steps, comma-separated',
    doc: 'client steps, comma-separated (or a ladder named in `wirebench.config.json`)',
    default: '10,100,1000',
    parse: (raw: string, flag: string) => parseIntList(flag, raw),
  },
  duration: { flags: '--duration <time>', help: 'measured window per step', default: '8s', parse: duration },
  warmup: { flags: '--warmup <time>', help: 'warm-up before each window', default: '2s', parse: durationOrZero },
  rate: {
    flags: '--rate <msg/s>',
    help: 'feed rate, messages per second',
    doc: 'feed messages per second (`0` allowed with `--workload chat`: only the publishers speak)',
    default: String(SERVER_DEFAULTS.rate),
    // A feed must have messages; the chat workload may have none (buildConfig allows 0 there).
    parse: (raw: string, flag: string) => parsePositiveNumber(flag, raw),
  },
  size: { flags: '--size <bytes>', help: 'payload bytes per message', default: String(SERVER_DEFAULTS.sizeBytes), parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0, max: 1_000_000 }) },
  payload: {
    flags: '--payload <kind>',
    help: `what each feed message's data is: ${PAYLOADS.join(', ')} (one repeated string; varying JSON price ticks; varying JSON chat messages, near --size)`,
    doc: "what each feed message's `data` is: `repeat` (one string of `--size` characters, the same in every message: the framing benchmark), `ticks` (a JSON object of market price ticks — symbols, prices, volumes vary per message) or `chat` (a JSON object of chat messages — users, rooms, sentences vary), the JSON kinds near `--size` and deterministic per seq so runs compare. Use a JSON kind with `--compression`: the repeated string would flatter the ratio. Embedded servers only (a `--target` publishes its own)",
    default: SERVER_DEFAULTS.payload,
    parse: (raw: string, flag: string) => parseChoice(flag, raw, PAYLOADS),
  },
  interval: { flags: '--interval <time>', help: 'short-poll interval', default: '1s', parse: duration },
  hold: {
    flags: '--hold <time>',
    help: 'long-poll hold on the server',
    doc: "long-poll hold on the server (with `--target`: say the target's; the long-poll client's idle timeout is the hold + 90 s)",
    default: durationDefault(SERVER_DEFAULTS.holdMs),
    parse: duration,
  },
  heartbeat: {
    flags: '--heartbeat <time>',
    help: 'SSE comment / WebSocket ping interval on the server; 0 = none',
    default: durationDefault(SERVER_DEFAULTS.heartbeatMs),
    parse: durationOrZero,
  },
  connectRate: { flags: '--connect-rate <n/s>', help: 'client connects per second during ramp-up, at most: each load worker leaves no more than one second of its share unfinished, so a slower server slows the ramp (docs/scale-out.md)', default: '1000', parse: (raw: string, flag: string) => parsePositiveNumber(flag, raw) },
  workers: {
    flags: '--workers <n>',
    help: 'load worker processes',
    // One core for the server, the rest for load — but at least two workers: a message's burst
    // of deliveries is then read in parallel, which measurably cuts the generator's share of the
    // latency even on a 2-core machine (push p50 at 100 clients: ~5 ms with one worker, ~3–4 with two).
    default: String(Math.max(2, Math.min(4, os.availableParallelism() - 1))),
    defaultDoc: 'cores − 1, at least 2, at most 4',
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { max: 64 }),
  },
  headers: {
    flags: '--headers <profile>',
    help: 'request header profile: minimal or browser',
    doc: "request header profile: `browser` (the paper's scenario: a browser's headers and cookies; the report adds the minimal-header lower bound, modelled) or `minimal`",
    // The paper's question is about browsers: a browser's request headers (and cookies) by default;
    // the report sets the minimal-header lower bound beside it, modelled from the same run.
    default: 'browser',
    parse: (raw: string, flag: string) => parseChoice(flag, raw, ['minimal', 'browser'] as const),
  },
  cookieBytes: {
    flags: '--cookie-bytes <bytes>',
    help: 'cookie size in the browser profile (bytes)',
    default: String(DEFAULT_COOKIE_BYTES),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0, max: 1_000_000 }),
  },
  workload: {
    flags: '--workload <kind>',
    help: 'feed (server ticks) or chat (clients publish upstream)',
    default: 'feed',
    parse: (raw: string, flag: string) => parseChoice(flag, raw, ['feed', 'chat'] as const),
  },
  publishers: { flags: '--publishers <n>', help: 'chat workload: publishing clients per step', default: '1', parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0 }) },
  publishRate: { flags: '--publish-rate <msg/s>', help: 'chat workload: messages per second per publisher', default: '1', parse: (raw: string, flag: string) => parsePositiveNumber(flag, raw) },
  repeat: {
    flags: '--repeat <n>',
    help: 'measure every step n times (compare uses the medians)',
    doc: "measure every step n times (results keep each repeat; the step's figures are the medians)",
    default: '1',
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { max: 100 }),
  },
  crossOrigin: {
    flags: '--cross-origin',
    help: `clients model a page on ${DEFAULT_PAGE_URL.origin} reading the feed from another origin (CORS, preflights cached as Chromium caches them); embedded servers allow that origin`,
    doc: `the clients model a page on \`${DEFAULT_PAGE_URL.origin}\` reading the feed from another origin: \`Origin\` on every request, answers read only when CORS grants them, a preflight before each non-simple request cached as Chromium caches it (per full URL, \`Access-Control-Max-Age\` capped at 7200 s, 5 s when absent); embedded servers get \`--origin ${DEFAULT_PAGE_URL.origin}\`. Preflights are counted, their bytes split out (\`window.preflight\`, the bytes model's \`preflight\` part)`,
    parse: on,
  },
  corsCredentials: {
    flags: '--cors-credentials',
    help: 'cross-origin: requests with credentials (Cookie sent; servers send Access-Control-Allow-Credentials)',
    doc: 'cross-origin: requests with credentials (the Cookie goes on HTTP requests; servers send `Access-Control-Allow-Credentials`)',
    parse: on,
  },
  corsMaxAge: {
    flags: '--cors-max-age <seconds>',
    help: 'cross-origin: Access-Control-Max-Age of the embedded servers; 0 = every preflight goes out',
    doc: 'cross-origin: `Access-Control-Max-Age` of the embedded servers; `0` = every non-simple request is preflighted',
    default: String(SERVER_DEFAULTS.corsMaxAgeSeconds),
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 0, max: 365 * 86_400 }),
  },
  authorization: {
    flags: '--authorization <bytes>',
    help: 'an Authorization: Bearer header of this many bytes on every poll, long-poll and publish (non-simple cross-origin: preflights); 0 = none',
    doc: 'an `Authorization: Bearer …` header of this many bytes (`0` = none, else at least 8) on every poll, long-poll and publish (EventSource and WebSocket cannot send one); cross-origin it makes them non-simple, so preflighted',
    default: '0',
    parse: (raw: string, flag: string) => {
      const bytes = parsePositiveInt(flag, raw, { min: 0, max: 64 * 1024 });
      if (bytes > 0 && bytes < 8) throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use 0 (none) or at least 8 bytes ("Bearer " and a token)`);
      return bytes;
    },
  },
  protocol: {
    flags: '--protocol <names>',
    help: `how clients reach the server: ${PROTOCOLS.join(', ')} (HTTP/1.1 cleartext; HTTP/1.1 over TLS; HTTP/2 over TLS; HTTP/2 cleartext), or several separated by commas (every transport runs under each, a fresh server per transport and protocol; WebSocket, the same wire under http1-tls and h2, runs once). WebSocket stays HTTP/1.1 (over TLS when the protocol is). An https:// --target implies http1-tls`,
    doc: "how the clients reach the server, one protocol or several separated by commas (`http1,http1-tls,h2`: a matrix axis — every transport runs under each, a fresh server per transport × protocol, and the report draws the websocket.org figure per protocol side by side; WebSocket, whose wire under `h2` is its wire under `http1-tls` — the same server and client —, runs once and stands for both, said on the page): `http1` (HTTP/1.1 cleartext), `http1-tls` (HTTP/1.1 over TLS: HTTPS, and WSS for WebSocket), `h2` (HTTP/2 over TLS for poll, long-poll, SSE and publish — ALPN offers `h2, http/1.1` as Chromium does; WebSocket stays HTTP/1.1 over TLS, since RFC 8441 is not in ws), `h2c` (cleartext HTTP/2 with prior knowledge; WebSocket over cleartext HTTP/1.1, served by its own HTTP/1.1 server — with `--target` an h2c server has no HTTP/1.1 to upgrade, so `ws` is refused there). Over HTTP/2 each simulated client holds one connection (one TCP connection per client, as a browser tab; several share one with `--h2-clients-per-connection`), its requests carry the header profile's fields lower-cased after the pseudo-headers, and HPACK compresses the repeated ones. Embedded servers then serve TLS with a self-signed certificate made at start, which the clients trust exactly (verification on). An `https://` `--target` implies `http1-tls`. Bytes are counted at the TCP socket beneath TLS: records, their headers and tags, and the handshake are in; each step's `wire` sample also gives one connection's TLS handshake apart (`tlsHandshakeUpBytes` / `tlsHandshakeDownBytes`: ClientHello … the client's Finished; TLS 1.3 session tickets come after, with the first answer). The results (`config.protocol`, or `config.variants` and each entry's `variant` for several; `config.tls.verify`) and the report say which",
    default: 'http1',
    parse: (raw: string, flag: string) => parseChoiceList(flag, raw, PROTOCOLS),
  },
  compression: {
    flags: '--compression <modes>',
    help: `${COMPRESSIONS.join(', ')}: compress every transport that can (WebSocket permessage-deflate, SSE a gzip stream flushed per event, poll/long-poll br or gzip bodies); off is the fair default. Several separated by commas (off,on): a matrix axis, every transport under each`,
    doc: "one mode or several separated by commas (`off,on`: a matrix axis like `--protocol`'s — every transport runs under each, crossed with the protocols; poll and long-poll, whose bodies are compressed whole, run once for `on` and `no-context-takeover`): `off` (nothing compressed, whatever the clients offer: the transports' own bytes), `on` (WebSocket permessage-deflate with context takeover, SSE a gzip stream flushed after every event, poll and long-poll bodies br or gzip as the request accepts — the minimal profile then sends `Accept-Encoding: gzip, br`), `no-context-takeover` (the same, each message compressed on its own: permessage-deflate's no_context_takeover both ways, the SSE stream fully flushed per event). Bytes are counted at the socket, compressed; payload is the messages' decoded text. With `--target` the clients offer and decode, the target decides. The results (`config.compression`, or `config.variants` and each entry's `variant` for several) and the report say which",
    default: 'off',
    parse: (raw: string, flag: string) => parseChoiceList(flag, raw, COMPRESSIONS),
  },
  h2ClientsPerConnection: {
    flags: '--h2-clients-per-connection <n>',
    help: `HTTP/2 (--protocol h2, h2c): this many clients share one connection, their SSE streams, long-polls and polls multiplexed on it as a browser multiplexes the tabs of one origin (1: a connection per client, as a tab opens; at most ${MAX_H2_CLIENTS_PER_CONNECTION}). WebSocket and HTTP/1.1 keep a connection per client`,
    doc: `over HTTP/2 (\`--protocol h2\` or \`h2c\`, alone or in a list), this many simulated clients of poll, long-poll and SSE share one connection — one TCP (and TLS) handshake, one preface, one HPACK table each way — as a browser multiplexes the tabs of one origin; each client is still its own streams (an SSE stream or a held long-poll holds one all the time, so at most ${MAX_H2_CLIENTS_PER_CONNECTION}, the least concurrent streams RFC 9113 advises a server to allow) with its own delivery tracking, and its publishes (chat) go on the same connection. Each load worker groups its own clients, so a step of C clients over W workers opens about C ÷ N connections. A shared connection's socket bytes are counted once, by the connection (the sum still equals a capture), and per-client figures divide the step's sum by its clients; the wire sample's handshake is one connection's. A client joining an open connection has no TCP or TLS handshake to make, so its connect time is one request's round trip, as a browser's second tab's. \`1\` = a connection per client, as a browser tab opens. WebSocket (RFC 8441 is not in ws) and HTTP/1.1 protocols of the same run keep a connection per client. Refused (one line, exit 2) without an HTTP/2 protocol, without an HTTP transport, and with \`--fault drop\` (which resets one client's connection: shared, it would cut its whole group). The results (\`config.h2ClientsPerConnection\`, absent for 1) and the report's configuration say which`,
    default: '1',
    parse: (raw: string, flag: string) => parsePositiveInt(flag, raw, { min: 1, max: MAX_H2_CLIENTS_PER_CONNECTION }),
  },
  ca: {
    flags: '--ca <file>',
    help: 'TLS: trust this PEM CA certificate for the --target (default: the system store; embedded servers are trusted by their own certificate)',
    doc: 'TLS `--target`: trust this PEM CA certificate (embedded servers are trusted by their own certificate)',
    defaultDoc: 'system store',
    parse: text,
  },
  insecure: {
    flags: '--insecure',
    help: 'TLS: do not verify the server certificate (loopback targets only; recorded in the results)',
    doc: "TLS: do not verify the server's certificate (loopback targets only; `config.tls.verify: \"skipped\"` in the results, said in the report)",
    parse: on,
  },
  quick: {
    flags: '--quick',
    help: 'a first look in under a minute: --preset quick (clients 10,50, 2 s windows, 500 ms warm-up)',
    doc: '`--preset quick`: a first look in under a minute (clients 10,50, 2 s windows, 500 ms warm-up)',
    parse: on,
  },
  preset: {
    flags: '--preset <name>',
    help: `a named scenario: ${Object.keys(PRESETS).join(', ')}`,
    doc: "a named scenario under the flags: `websocket.org` (the paper's scenario: 1 msg/s, 1 Hz polling, 20-byte payload, browser headers), `websocket.org-2026` (the same scenario as a browser runs it today: `--protocol h2`, HTTP/2 over TLS for poll, long-poll, SSE; WebSocket over wss on HTTP/1.1), `quick`, or one of `wirebench.config.json`'s presets",
    parse: text,
  },
  target: {
    flags: '--target <url>',
    help: 'bench an already running server that implements the wire contract (no embedded server)',
    doc: 'bench an already running server that implements the wire contract (server cost only if it has `/stats`)',
    parse: (raw: string, flag: string) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new UsageError(`${flag} ${JSON.stringify(raw)} is not a URL: use e.g. http://127.0.0.1:8080`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} ${JSON.stringify(raw)} is not valid: use an http:// or https:// URL`);
      return url.origin;
    },
  },
  shard: {
    flags: '--shard <I/N>',
    help: 'with --target and --start-at: run shard I of N — client ids I, I+N, … of every step; merge the N results files with `wirebench merge` (default: the whole run)',
    doc: 'with `--target` and `--start-at`: run shard I of N (client ids I, I+N, … of every step; only shard 1 reads `/stats`); merge the N files with `wirebench merge` ([docs/scale-out.md](docs/scale-out.md))',
    defaultDoc: 'the whole run',
    parse: parseShard,
  },
  startAt: {
    flags: '--start-at <time>',
    help: 'with --target: begin the fixed step schedule at this RFC 3339 time, so every shard measures the same wall-clock windows (default: start now, no schedule)',
    doc: "with `--target`: start a fixed step schedule at this RFC 3339 time, so every shard measures the same wall-clock window; a shard that cannot keep a step's slot fails that step with the reason",
    defaultDoc: 'start now, no schedule',
    parse: parseStartAt,
  },
  sourceAddresses: {
    flags: '--source-addresses <list>',
    help: "local addresses the clients connect from, in turn: a comma-separated list or an IPv4 range, e.g. 127.0.0.2-127.0.0.9 (default: the system's choice)",
    doc: 'local addresses the clients connect from, in turn: a list or an IPv4 range such as `127.0.0.2-127.0.0.9` (more connections to one server port than the ephemeral ports allow; local shards that look like separate hosts)',
    defaultDoc: "system's choice",
    parse: parseSourceAddresses,
  },
  out: {
    flags: '--out <dir>',
    help: 'results directory (default results/<timestamp>)',
    doc: 'results directory; checked and created before anything runs (a file, an unwritable place, a `results.json` that is not a regular file → one line, exit 2); `results/latest` points at the last default one',
    defaultDoc: '`results/<timestamp>`',
    parse: text,
  },
  json: { flags: '--json', help: 'print the results document as JSON on stdout (progress stays on stderr)', parse: on },
  capture: {
    flags: '--capture',
    help: 'also measure the TCP/IP layer: capture each step on loopback with tcpdump (root or CAP_NET_RAW; without it the run goes on without that layer)',
    doc: 'also measure the TCP/IP layer: tcpdump captures each step on `lo` (needs tcpdump and root or CAP_NET_RAW; without them one line says what to install or grant and the run goes on without that layer); captures are kept in `<out>/capture/`',
    default: false,
    parse: on,
  },
  report: { flags: '--no-report', help: 'skip the HTML and Markdown report', parse: on },
  quiet: {
    flags: '--quiet',
    help: 'no progress, no table, no file list: only errors and failed thresholds (results are still written)',
    doc: 'no progress, no table, no file list — only errors and failed thresholds; results, reports and CSV are still written',
    parse: on,
  },
  open: {
    flags: '--open',
    help: 'open the HTML report in a browser when the run ends',
    doc: 'open the HTML report in the browser when the run ends (`xdg-open` / `open` / `start`)',
    parse: on,
  },
  maxLoopDelay: {
    flags: '--max-loop-delay <time>',
    help: 'worker event-loop delay p99 above which a step is marked generator-saturated',
    doc: 'worker event-loop delay p99 above which a step is marked *generator-saturated*',
    default: durationDefault(DEFAULT_LOOP_DELAY_THRESHOLD_US / 1000),
    parse: duration,
  },
  reconnectDelay: {
    flags: '--reconnect-delay <time>',
    help: 'first WebSocket reconnect / poll retry delay after a failure, doubling per failed attempt',
    doc: "first WebSocket reconnect / poll and long-poll retry after a failure; doubles per failed attempt (socket.io's default)",
    default: `${DEFAULT_RECONNECT.baseMs}ms`,
    parse: durationOrZero,
  },
  reconnectMax: {
    flags: '--reconnect-max <time>',
    help: 'cap of the doubling reconnect / retry delay',
    default: `${DEFAULT_RECONNECT.maxMs}ms`,
    parse: durationOrZero,
  },
  reconnectJitter: {
    flags: '--reconnect-jitter <0..1>',
    help: 'each reconnect / retry delay is multiplied by 1 ± this, at random',
    doc: 'each such delay is multiplied by 1 ± jitter, at random, so clients do not come back in lockstep',
    default: String(DEFAULT_RECONNECT.jitter),
    parse: (raw: string, flag: string) => parseFraction(flag, raw),
  },
  sseRetry: {
    flags: '--sse-retry <time>',
    help: 'SSE reconnection time until the server sends retry: (EventSource, no jitter)',
    doc: "SSE reconnection time until the server sends `retry:` (Chromium's default); doubled while attempts fail, no jitter, as EventSource does",
    default: `${DEFAULT_RECONNECT.sseRetryMs}ms`,
    parse: durationOrZero,
  },
  // Parsed in buildConfig (scripts/options.ts `parseFault`): where a fault falls depends on --duration.
  fault: {
    flags: '--fault <spec>',
    help: 'inject a fault in every step: restart-hard|restart-graceful|stall|drop|drop-server[@at][:duration], e.g. restart-hard@50%:1s (repeatable; --target: drop only)',
    doc: "inject a fault in every step (repeatable): `kind[@at][:duration]`, kind `restart-hard` (SIGKILL of the embedded server, restarted on the same port after `duration`, default 1s — a new epoch), `restart-graceful` (SIGTERM: streams ended, WS 1001; the server hands its epoch and history to its successor through `serve --state-file`, so clients resume without loss or reset), `stall` (SIGSTOP for `duration`, default 3s, then SIGCONT), `drop` (the generator resets connections with a TCP RST for `duration`, default 1s), `drop-server` (the embedded server resets a share of its client connections per second with a TCP RST, as a NAT or load balancer would — told over its IPC channel; counted as `connectionsReset` in /stats and the step's server figures; /healthz and /stats connections spared); both at `--drop-rate` (share per second, default 0.5); `at` a share of the window (`50%`, the default) or a time from its start (`3s`). With `--target` only `drop`: every other fault acts on the server process, and a target's is not ours (asking for one is one line, exit 2). A fault step waits after its window for the clients to come back: the longest reconnect delay the policy allows plus 3 s, so it always ends",
    repeatable: true,
  },
  dropRate: {
    flags: '--drop-rate <share/s>',
    help: 'drop and drop-server faults: share of the connections reset per second while they last',
    doc: '`drop` and `drop-server` faults: share of the connections reset per second while they last',
    default: '0.5',
    parse: (raw: string, flag: string) => parsePositiveNumber(flag, raw),
  },
  serverArg: SERVER_ARG_OPTION,
  threshold: THRESHOLD_OPTION,
  failOn: FAIL_ON_OPTION,
} as const satisfies Record<string, OptionRow>;

/** Commander's values of `bench` (by key), before a preset or parsing. */
export type BenchFlags = RawFlags<typeof BENCH_OPTIONS>;

/** A bench preset: option values by key, as typed on the command line. */
export type BenchPreset = Partial<Record<keyof typeof BENCH_OPTIONS, string>>;

export const BUILT_IN_PRESETS: Readonly<Record<string, BenchPreset>> = PRESETS;
