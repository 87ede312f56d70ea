/**
 * What a cross-origin run (bench --cross-origin) is, in words, for the places that show the
 * websocket.org figure: which page, which requests were preflighted, and what the preflights
 * cost per delivered message per transport at the largest measured step.
 */
import type { RunConfig } from '../load/results/results-schema.js';
import { FIGURES } from '../load/results/figure-registry.js';
import { okSteps, type ReportFigures } from './figures.js';
import { formatCount, formatNumber, transportVariantLabel } from './format.js';

/** One line saying the run is the cross-origin variant and how it was set up; null for a same-origin run. */
export function crossOriginSetup(config: RunConfig): string | null {
  const cross = config.crossOrigin;
  if (cross === undefined) return null;
  const auth = config.authorizationBytes ?? 0;
  const cache = cross.preflightCache;
  return (
    `Cross-origin variant: the page on ${cross.pageOrigin} reads the feed from another origin — Origin on every request, CORS headers on every answer, ` +
    `credentials ${cross.credentials ? 'on' : 'off'}, ` +
    (auth > 0 ? `an Authorization header of ${formatCount(auth)} B on every poll and long-poll (non-simple: preflighted), ` : 'simple polls (no preflight), ') +
    (config.workload === 'chat' ? 'the JSON publish preflighted; ' : '') +
    `preflights cached as ${cache.browser} caches them (per full URL, Access-Control-Max-Age capped at ${formatCount(cache.maxAgeCapSeconds)} s), ` +
    `server max-age ${cross.serverMaxAgeSeconds === null ? 'as the target sends it' : `${formatCount(cross.serverMaxAgeSeconds)} s`}.`
  );
}

/** Preflights per delivered message and their bytes, per transport at its largest measured step; null when not cross-origin. */
export function preflightCosts(figures: ReportFigures): string | null {
  if (figures.doc.config.crossOrigin === undefined) return null;
  const parts = figures.transports.flatMap((transport) => {
    const step = okSteps(transport).at(-1);
    const m = step?.measurement;
    if (step === undefined || m === null || m === undefined) return [];
    const count = FIGURES.preflightsPerMessage.read(m, step.clients) ?? 0;
    const bytes = FIGURES.preflightBytesPerMessage.read(m, step.clients) ?? 0;
    return [`${transportVariantLabel(transport)} ${formatNumber(count)} preflights (${formatNumber(bytes)} B) per message at ${formatCount(step.clients)} clients`];
  });
  return parts.length === 0 ? null : `Preflights, inside the bars: ${parts.join('; ')}.`;
}
