/**
 * The matrix's variants: the axes of a run besides transports and client steps (docs/architecture.md:
 * protocol × compression). A run may list several values of an axis (`bench --protocol
 * http1,http1-tls,h2`); every combination is a variant, every transport runs under each (a fresh
 * server per transport × variant), and each results entry says its variant
 * (results-schema.ts `TransportResult.variant`).
 *
 * Two variants can put the same bytes on one transport's wire: WebSocket has no HTTP/2 (RFC 8441
 * is not in ws), so under h2 it is WSS over HTTP/1.1 — the server the runner starts for it and the
 * client are exactly those of http1-tls (and under h2c those of http1). Such a transport runs once,
 * under the first of the equal variants; a view of another variant shows that entry and says so
 * ({@link variantView}), rather than measuring the same wire twice.
 *
 * The report, compare, merge and the end table read a document of several variants through this
 * module: one variant's view is a document of one variant, as a run of that variant alone would
 * have written it — so everything that reads a one-variant document reads each view unchanged.
 *
 * Pure module (the results schema only): load/, reports/ and scripts/ read it.
 */
import type { TransportName } from '../../servers/contract.js';
import { protocolUsesHttp2, protocolUsesTls, runCompression, type Compression, type Protocol, type ResultsDocument, type RunConfig, type TransportResult, type Variant } from './results-schema.js';

/** A variant with every axis resolved. */
export type FullVariant = Required<Variant>;
export type VariantAxis = keyof FullVariant;

interface AxisDefinition<K extends VariantAxis> {
  /** The flag that lists the axis's values. */
  flag: string;
  /** The run's own value: what an entry without its own variant ran under. */
  ofConfig(config: RunConfig): FullVariant[K];
  /** How a value is shown (charts, tables, the end table). */
  label(value: FullVariant[K]): string;
  /** The value `transport` actually runs under when asked for `value` (the same server and client). */
  wire(transport: TransportName, value: FullVariant[K]): FullVariant[K];
  /** Why two values put the same bytes on a transport's wire (said where one entry stands for both). */
  sameWire: string;
  /** The configuration one variant's run would have recorded (as a one-variant run writes it). */
  applyTo(config: RunConfig, value: FullVariant[K]): RunConfig;
}

const PROTOCOL_LABELS: Readonly<Record<Protocol, string>> = {
  http1: 'HTTP/1.1',
  'http1-tls': 'HTTP/1.1 + TLS',
  h2: 'HTTP/2 + TLS',
  h2c: 'HTTP/2 cleartext',
};

const COMPRESSION_LABELS: Readonly<Record<Compression, string>> = {
  off: 'compression off',
  on: 'compression on',
  'no-context-takeover': 'compression on, no context takeover',
};

/** Every axis, in the order variants are named and run (the first axis varies slowest). */
export const VARIANT_AXES: { readonly [K in VariantAxis]: AxisDefinition<K> } = {
  protocol: {
    flag: '--protocol',
    ofConfig: (config) => config.protocol ?? 'http1',
    label: (protocol) => PROTOCOL_LABELS[protocol],
    // WebSocket stays HTTP/1.1 under HTTP/2: over TLS when the protocol is (load/run/runner.ts starts its server without http2).
    wire: (transport, protocol) => (transport !== 'ws' || !protocolUsesHttp2(protocol) ? protocol : protocolUsesTls(protocol) ? 'http1-tls' : 'http1'),
    sameWire: 'WebSocket has no HTTP/2 here (RFC 8441 is not in ws), so under HTTP/2 it is WebSocket over HTTP/1.1 (over TLS when the protocol is) — the same server and client, so the same bytes',
    applyTo: (config, protocol) => {
      const { protocol: _protocol, tls, ...rest } = config;
      // A one-protocol run records no protocol for http1 and its TLS settings only over TLS.
      return { ...rest, ...(protocol === 'http1' ? {} : { protocol }), ...(tls !== undefined && protocolUsesTls(protocol) ? { tls } : {}) };
    },
  },
  compression: {
    flag: '--compression',
    ofConfig: runCompression,
    label: (compression) => COMPRESSION_LABELS[compression],
    // Polling bodies are compressed whole either way (servers/http-compression.ts): context takeover is a stream's (SSE, WebSocket).
    wire: (transport, compression) => (compression === 'no-context-takeover' && (transport === 'poll' || transport === 'longpoll') ? 'on' : compression),
    sameWire: 'poll and long-poll answers are compressed whole, so without context takeover they are the same bytes as with it',
    // A one-variant run writes off as `false`, as every run did before compression existed.
    applyTo: (config, compression) => ({ ...config, compression: compression === 'off' ? false : compression }),
  },
};

const AXES = Object.keys(VARIANT_AXES) as VariantAxis[];

function axis<K extends VariantAxis>(name: K): AxisDefinition<K> {
  return VARIANT_AXES[name] as AxisDefinition<K>;
}

function resolve(config: RunConfig, variant: Variant | undefined): FullVariant {
  return Object.fromEntries(AXES.map((name) => [name, variant?.[name] ?? axis(name).ofConfig(config)])) as FullVariant;
}

/** The run's variants in run order: its `variants`, or the one variant of its own values. */
export function runVariants(config: RunConfig): FullVariant[] {
  return config.variants ? config.variants.map((variant) => resolve(config, variant)) : [resolve(config, undefined)];
}

/** Whether the run has several variants (its views, not the document itself, are one-variant documents). */
export function hasVariants(config: RunConfig): boolean {
  return (config.variants?.length ?? 0) > 1;
}

/** The axes whose value differs between the run's variants (what a label needs to say). */
export function varyingAxes(config: RunConfig): VariantAxis[] {
  const variants = runVariants(config);
  return AXES.filter((name) => new Set(variants.map((v) => v[name])).size > 1);
}

/** The variant an entry ran under. */
export function resultVariant(config: RunConfig, result: Pick<TransportResult, 'variant'>): FullVariant {
  return resolve(config, result.variant);
}

/** The configuration an entry's figures are read with: its variant's in a run of several, else the run's. */
export function entryConfig(config: RunConfig, result: Pick<TransportResult, 'variant'>): RunConfig {
  return hasVariants(config) ? variantConfig(config, resultVariant(config, result)) : config;
}

/** The document's entry of `transport` under `variant` (as it ran: not an equal-wire stand-in), if it has one. */
export function entryOf(doc: ResultsDocument, transport: string, variant: FullVariant): TransportResult | undefined {
  const key = variantKey(variant);
  return doc.results.find((r) => r.transport === transport && variantKey(resultVariant(doc.config, r)) === key);
}

/** How an entry is named in a line of text: `name` (default its transport), with its variant in a run of several ("poll (HTTP/2 + TLS)"). */
export function entryName(config: RunConfig, result: Pick<TransportResult, 'transport' | 'variant'>, name: string = result.transport): string {
  return hasVariants(config) ? `${name} (${variantLabel(resultVariant(config, result), varyingAxes(config))})` : name;
}

/** A stable key: equal for equal variants, whichever fields were written. */
export function variantKey(variant: FullVariant): string {
  return AXES.map((name) => `${name}=${variant[name]}`).join(',');
}

/** "HTTP/2 + TLS": the values of the given axes (default: every axis), joined. */
export function variantLabel(variant: FullVariant, axes: readonly VariantAxis[] = AXES): string {
  return axes.map((name) => axis(name).label(variant[name] as never)).join(', ');
}

/** What `transport` runs under when asked for `variant`: the same server and client (see above). */
export function wireVariant(transport: TransportName, variant: FullVariant): FullVariant {
  return Object.fromEntries(AXES.map((name) => [name, axis(name).wire(transport, variant[name] as never)])) as FullVariant;
}

/** One variant's configuration, as a run of that variant alone records it. */
export function variantConfig(config: RunConfig, variant: FullVariant): RunConfig {
  const { variants: _variants, ...rest } = config;
  return AXES.reduce((c, name) => axis(name).applyTo(c, variant[name] as never), rest as RunConfig);
}

/**
 * The transport × variant pairs a run measures, in run order (variant by variant, each's
 * transports): a transport whose wire under a variant equals its wire under an earlier one is not
 * measured again.
 */
export function plannedRuns(config: RunConfig): { transport: TransportName; variant: FullVariant }[] {
  const seen = new Set<string>();
  return runVariants(config).flatMap((variant) =>
    config.transports.flatMap((transport) => {
      const key = `${transport} ${variantKey(wireVariant(transport, variant))}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [{ transport, variant }];
    }),
  );
}

/** A one-variant view of a document: what a run of that variant alone would have written. */
export interface VariantView {
  variant: FullVariant;
  /** The variant's values of the axes the run varies ("HTTP/2 + TLS"). */
  label: string;
  doc: ResultsDocument;
  /** Transports measured under another variant with the same wire (WebSocket under h2: the http1-tls entry), by that variant's label. */
  sharedFrom: Partial<Record<TransportName, string>>;
  /** Why each of those is the same wire (the axes' reasons). */
  sharedWhy: Partial<Record<TransportName, string>>;
}

/**
 * The document's variants, each as a one-variant document (an entry of an equal-wire variant
 * stands in where the transport ran once; `sharedFrom` names it). A document without variants is
 * its own one view, unchanged.
 */
export function variantViews(doc: ResultsDocument): VariantView[] {
  if (!hasVariants(doc.config)) {
    const [variant] = runVariants(doc.config);
    return [{ variant: variant!, label: variantLabel(variant!), doc, sharedFrom: {}, sharedWhy: {} }];
  }
  const axes = varyingAxes(doc.config);
  return runVariants(doc.config).map((variant) => {
    const sharedFrom: Partial<Record<TransportName, string>> = {};
    const sharedWhy: Partial<Record<TransportName, string>> = {};
    const results = doc.config.transports.flatMap((transport) => {
      const own = entryOf(doc, transport, variant);
      if (own) return [own];
      const wire = variantKey(wireVariant(transport, variant));
      const stand = doc.results.find((r) => r.transport === transport && variantKey(wireVariant(transport, resultVariant(doc.config, r))) === wire);
      if (!stand) return [];
      const ran = resultVariant(doc.config, stand);
      sharedFrom[transport] = variantLabel(ran, axes);
      sharedWhy[transport] = AXES.filter((name) => ran[name] !== variant[name]).map((name) => VARIANT_AXES[name].sameWire).join('; ');
      return [stand];
    });
    return {
      variant,
      label: variantLabel(variant, axes),
      doc: { ...doc, config: variantConfig(doc.config, variant), results: results.map(({ variant: _v, ...result }) => result) },
      sharedFrom,
      sharedWhy,
    };
  });
}
