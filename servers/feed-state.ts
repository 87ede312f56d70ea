/**
 * A feed handed over across a graceful restart: the stream's epoch and the history a successor
 * needs so clients resume where they were, without loss and without a reset — a graceful restart
 * must not look like a hard one. `wirebench serve --state-file` writes it on SIGTERM / SIGINT and
 * a server started with the same file continues the stream from it (the file is consumed, so a
 * later hard restart really starts a new epoch).
 */
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { writeFileAtomically } from './atomic-file.js';
import { parseEpoch } from './contract.js';
import type { PreparedMessage } from './history.js';

export interface FeedState {
  /** The stream identity the successor keeps. */
  epoch: string;
  /** The history, oldest first, consecutive seqs (each text is the message exactly as sent). */
  messages: PreparedMessage[];
}

const FORMAT = 'wirebench-feed-state';
/** A history of 10^7 messages of a few hundred bytes each fits; anything bigger is not ours. */
const MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024;

/**
 * Checks a handed-over state (from a file or a library caller): a valid epoch and messages whose
 * texts carry consecutive seqs. Returns the reason when it is not one.
 */
export function checkFeedState(state: unknown): FeedState | { reason: string } {
  if (typeof state !== 'object' || state === null) return { reason: 'not an object' };
  const { epoch, messages } = state as Record<string, unknown>;
  const parsedEpoch = parseEpoch(epoch);
  if (typeof parsedEpoch !== 'string') return { reason: parsedEpoch === undefined ? 'no epoch' : parsedEpoch.reason };
  if (!Array.isArray(messages)) return { reason: 'messages is not an array' };
  const checked: PreparedMessage[] = [];
  for (const [index, message] of messages.entries()) {
    const { seq, text } = (message ?? {}) as Record<string, unknown>;
    let textSeq: unknown;
    try {
      textSeq = typeof text === 'string' ? (JSON.parse(text) as { seq?: unknown }).seq : undefined;
    } catch {
      textSeq = undefined;
    }
    const previous = checked.at(-1);
    if (!Number.isSafeInteger(seq) || (seq as number) < 1 || textSeq !== seq || (previous !== undefined && seq !== previous.seq + 1)) {
      return { reason: `message ${index} is not the next message of the stream (seq ${JSON.stringify(seq)})` };
    }
    checked.push({ seq: seq as number, text: text as string });
  }
  return { epoch: parsedEpoch, messages: checked };
}

/** Writes `state` to `path` atomically (servers/atomic-file.ts), so a successor never reads half of it; owner-only, as the history may be private. */
export async function writeFeedState(path: string, state: FeedState): Promise<void> {
  await writeFileAtomically(path, JSON.stringify({ format: FORMAT, version: 1, epoch: state.epoch, messages: state.messages }), 0o600);
}

/**
 * Reads and removes the state at `path`. Undefined when there is none (a first start, or after a
 * hard restart, whose server wrote nothing); a file that is not a feed state is removed too and
 * its reason returned, so the caller can say so and start a new epoch.
 */
export function takeFeedState(path: string): FeedState | { reason: string } | undefined {
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { reason: `${path} is not a regular file` };
    if (stat.size > MAX_FILE_BYTES) return { reason: `${path} is ${stat.size} bytes, over the ${MAX_FILE_BYTES} a feed state may take` };
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { reason: `${path}: ${(error as Error).message}` };
  }
  unlinkSync(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { reason: `${path} is not JSON` };
  }
  if ((parsed as { format?: unknown } | null)?.format !== FORMAT) return { reason: `${path} is not a wirebench feed state` };
  const state = checkFeedState(parsed);
  return 'reason' in state ? { reason: `${path}: ${state.reason}` } : state;
}
