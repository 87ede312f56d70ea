/**
 * The headline: a few plain sentences written from the numbers. Plain text (exporters escape it).
 * It compares the most polling-like transport with the most stream-like one that share a
 * measured client count, so a run of any subset of transports still gets a true sentence.
 */
import {
  COMPARED_PAIRS as PAIRS,
  comparisonSteps,
  largestCommonClients,
  okStepAt,
  saturatedSteps,
  type ReportFigures,
  type StepFigures,
  type ThroughputCell,
} from './figures.js';
import type { RunConfig } from '../load/results/results-schema.js';
import { requestHeaderBytes } from '../load/results/figure-registry.js';
import { formatBytes, formatCount, formatLatencyUs, formatMbps, formatNumber, formatRatio, transportLabel, transportVariantLabel, clipText } from './format.js';
import { protocolSentence } from './protocol-view.js';


export interface Headline {
  sentences: string[];
  text: string;
}

function stepPhrase(step: StepFigures): string {
  return `the ${formatCount(step.clients)}-client ${transportVariantLabel(step)} step`;
}

function compareSentence(clients: number, costly: StepFigures, cheap: StepFigures, config: RunConfig): string | null {
  if (costly.figures.bytesPerMessageWindow === null || cheap.figures.bytesPerMessageWindow === null || cheap.figures.bytesPerMessageWindow <= 0) return null;
  const ratio = costly.figures.bytesPerMessageWindow / cheap.figures.bytesPerMessageWindow;
  let sentence = `At ${formatCount(clients)} clients, with ${config.headers.name} request headers (measured), ${transportLabel(costly.transport)} moved ${formatRatio(ratio)} the bytes of ${transportLabel(cheap.transport)} per delivered message (${formatBytes(costly.figures.bytesPerMessageWindow)} against ${formatBytes(cheap.figures.bytesPerMessageWindow)})`;
  if (costly.figures.latencyP50Us !== null && cheap.figures.latencyP50Us !== null) {
    sentence += `, and its median latency was ${formatLatencyUs(costly.figures.latencyP50Us)} against ${formatLatencyUs(cheap.figures.latencyP50Us)}`;
  }
  return `${sentence}.`;
}

/**
 * Beside a browser-header comparison, the lower bound a client sending only the headers HTTP/1.1
 * requires would pay — modelled from the same run (FIGURES.bytesPerMessageMinimalHeaders).
 */
function lowerBoundSentence(costly: StepFigures, cheap: StepFigures, config: RunConfig): string | null {
  const headerBytes = requestHeaderBytes(config);
  if (headerBytes === 0) return null;
  const a = costly.figures.bytesPerMessageMinimalHeaders;
  const b = cheap.figures.bytesPerMessageMinimalHeaders;
  if (a === null || b === null || b <= 0) return null;
  return `With minimal request headers (modelled: the same traffic less the profile's ${formatCount(headerBytes)} header bytes on every request) the lower bound is ${formatRatio(a / b)} (${formatBytes(a)} against ${formatBytes(b)}).`;
}

/** "projected linearly from the 1,000-client step" and the like: a projected figure always names its base. */
function baseOf(cell: ThroughputCell): string {
  return `projected linearly from the ${formatCount(cell.fromClients ?? 0)}-client step`;
}

function projectionSentence(figures: ReportFigures, costly: string, cheap: string): string | null {
  const clients = 100_000;
  const cell = (transport: string) => figures.throughput.find((c) => c.transport === transport && c.clients === clients);
  const a = cell(costly);
  const b = cell(cheap);
  if (!a || !b) return null;
  const failed = [a, b].filter((c) => c.failedAt !== null);
  if (failed.length > 0) {
    const where = failed.map((c) => `${transportLabel(c.transport)} failed at ${formatCount(c.failedAt ?? 0)} clients`).join(' and ');
    return `${where.charAt(0).toUpperCase()}${where.slice(1)} (reason in the table), so nothing is projected to ${formatCount(clients)}.`;
  }
  if (a.totalMbps === null || b.totalMbps === null) return null;
  const rate = `${formatNumber(figures.messagesPerSec)} msg/s`;
  if (a.source === 'measured' && b.source === 'measured') {
    return `At ${formatCount(clients)} clients at ${rate}, ${transportLabel(costly)} needed ${formatMbps(a.totalMbps)} against ${formatMbps(b.totalMbps)} for ${transportLabel(cheap)}.`;
  }
  const sameBase = a.source === 'projected' && b.source === 'projected' && a.fromClients === b.fromClients;
  if (sameBase) {
    return `Projected linearly from the ${formatCount(a.fromClients ?? 0)}-client step to ${formatCount(clients)} clients at ${rate}, ${transportLabel(costly)} would need ${formatMbps(a.totalMbps)} against ${formatMbps(b.totalMbps)} for ${transportLabel(cheap)}.`;
  }
  const figure = (c: ThroughputCell, mbps: number) => `${formatMbps(mbps)} (${c.source === 'measured' ? 'measured' : baseOf(c)})`;
  return `At ${formatCount(clients)} clients at ${rate}, ${transportLabel(costly)} would need ${figure(a, a.totalMbps)} against ${figure(b, b.totalMbps)} for ${transportLabel(cheap)}.`;
}

function singleSentence(step: StepFigures): string {
  let sentence = `At ${formatCount(step.clients)} clients ${transportVariantLabel(step)} moved ${formatBytes(step.figures.bytesPerMessageWindow ?? 0)} per delivered message`;
  if (step.figures.downOverheadBytesPerMessage !== null && step.figures.upOverheadBytesPerMessage !== null) {
    sentence += ` (${formatBytes(step.figures.downOverheadBytesPerMessage + step.figures.upOverheadBytesPerMessage)} of it overhead)`;
  }
  if (step.figures.latencyP50Us !== null) sentence += `, with a median latency of ${formatLatencyUs(step.figures.latencyP50Us)}`;
  return `${sentence}.`;
}

export function writeHeadline(figures: ReportFigures): Headline {
  const sentences: string[] = [];
  let compared: StepFigures[] = [];
  // A run of several variants: what changed between them (reports/protocol-view.ts).
  const protocols = protocolSentence(figures);
  if (protocols) {
    sentences.push(protocols.sentence);
    compared = protocols.steps;
  }
  for (const [costly, cheap] of figures.variants ? [] : PAIRS) {
    const clients = largestCommonClients(figures, [costly, cheap]);
    if (clients === null) continue;
    const a = okStepAt(figures, costly, clients);
    const b = okStepAt(figures, cheap, clients);
    const sentence = a && b ? compareSentence(clients, a, b, figures.doc.config) : null;
    if (!a || !b || !sentence) continue;
    sentences.push(sentence);
    const lowerBound = lowerBoundSentence(a, b, figures.doc.config);
    if (lowerBound) sentences.push(lowerBound);
    const projection = projectionSentence(figures, costly, cheap);
    if (projection) sentences.push(projection);
    compared = [a, b];
    break;
  }
  if (sentences.length === 0) {
    const single = comparisonSteps(figures)[0];
    if (single) {
      sentences.push(singleSentence(single));
      compared = [single];
    } else {
      const failed = figures.transports.flatMap((t) => t.steps).find((step) => step.reason !== null);
      sentences.push(failed ? `No step was measured: ${clipText(failed.reason, 400)}` : 'No step was measured.');
    }
  }
  const saturatedCompared = compared.filter((step) => step.saturated);
  if (saturatedCompared.length > 0) {
    sentences.push(
      `Caution: ${saturatedCompared.map(stepPhrase).join(' and ')} ${saturatedCompared.length > 1 ? 'were' : 'was'} generator-saturated, so its figures may reflect the load generator rather than the server.`,
    );
  } else if (saturatedSteps(figures).length > 0) {
    const count = saturatedSteps(figures).length;
    sentences.push(`${count} step${count > 1 ? 's were' : ' was'} generator-saturated (marked *).`);
  }
  const failedCount = figures.transports.flatMap((t) => t.steps).filter((step) => step.status === 'failed').length;
  if (failedCount > 0 && compared.length > 0) {
    sentences.push(`${failedCount} step${failedCount > 1 ? 's' : ''} failed (reasons in the table).`);
  }
  return { sentences, text: sentences.join(' ') };
}
