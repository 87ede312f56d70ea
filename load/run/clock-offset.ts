/**
 * The offset between a target's clock and this host's (both µs, monotonic + 10^15 on a wirebench
 * server), for latency across hosts: NTP's estimate (RFC 5905 §8, one server, no filter chain).
 * Each probe reads the server's /healthz `nowUs` between two local readings; if the request and
 * the answer took equal time the server read its clock at the midpoint, and whatever the split,
 * the true offset lies within ± half the round trip of the estimate. The probe with the lowest
 * round trip wins: it has the smallest bound, and queueing only ever adds to a round trip.
 * Hand-written because it is one division: an NTP library speaks UDP/123 to time servers, not
 * HTTP to the server under test, whose own clock is the one that stamps `ts`.
 */
import http from 'node:http';
import { monotonicUs } from '../../servers/contract.js';
import { getHealthz } from './target-answers.js';

/** Probes per estimate: one warms the keep-alive connection (its round trip includes the TCP handshake), the rest race for the lowest. */
export const CLOCK_PROBES = 8;

export interface ClockEstimate {
  /** Server clock − this host's clock, µs: a message's `ts` − offset is its publish time here. */
  offsetUs: number;
  /** ± this, µs: half the winning probe's round trip. */
  uncertaintyUs: number;
  /** Probes sent (all of them answered). */
  probes: number;
}

/**
 * Estimates the offset to `baseUrl`'s clock; null when its /healthz states no `nowUs` (a
 * third-party server need not). Throws what getHealthz throws (TargetAnswerError).
 */
export async function estimateClockOffset(baseUrl: string, { probes = CLOCK_PROBES, localAddress }: { probes?: number; localAddress?: string } = {}): Promise<ClockEstimate | null> {
  // One keep-alive connection, so every probe after the first is one request's round trip. Over
  // TLS each probe opens its own (handshake included): a wider bound, never a wrong one, since
  // the server still read its clock between the two local readings.
  const agent = baseUrl.startsWith('https:') ? false : new http.Agent({ keepAlive: true, maxSockets: 1, ...(localAddress !== undefined ? { localAddress } : {}) });
  try {
    let best: { rttUs: number; offsetUs: number } | undefined;
    for (let i = 0; i < probes; i++) {
      const sentUs = monotonicUs();
      const { nowUs } = await getHealthz(baseUrl, agent);
      const receivedUs = monotonicUs();
      if (nowUs === undefined) return null;
      const rttUs = receivedUs - sentUs;
      if (best === undefined || rttUs < best.rttUs) best = { rttUs, offsetUs: nowUs - (sentUs + receivedUs) / 2 };
    }
    return best === undefined ? null : { offsetUs: Math.round(best.offsetUs), uncertaintyUs: Math.ceil(best.rttUs / 2), probes };
  } finally {
    if (agent) agent.destroy();
  }
}
