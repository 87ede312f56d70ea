/**
 * Writing a file so that no reader ever sees half of it: the one atomic write of wirebench, used
 * by `serve --state-file` (servers/feed-state.ts) and, with its path checks and error lines, by
 * every results, report and compare file (load/results/safe-file.ts `writeFileSafely`). Here,
 * not in load/, because servers/ imports nothing of load/.
 */
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `text` to `target` atomically: a temp file beside it, created exclusively (never through
 * a link someone put at its name), written and synced in full — a full disk may only say so when
 * the data is flushed — then renamed into place. A crash, a kill or a full disk never leaves a
 * truncated or empty `target`; the previous version stays until the new one is complete. A failed
 * write removes its temp file and throws the file system's error as it is.
 */
export async function writeFileAtomically(target: string, text: string, mode: number): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
