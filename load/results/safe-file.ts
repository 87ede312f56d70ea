/**
 * Files the user names are untrusted paths: reading and writing them must be bounded, must never
 * replace what is not a regular file, must leave nothing half-written behind, and every failure
 * must be one line naming the path in words (no raw errno text).
 *
 * Used by the runner (results.json), the reports (report.html / report.md) and compare's --out:
 * pure file I/O, none of the generator's runtime, so reports/ may import it like the schema. The
 * atomic write itself is servers/atomic-file.ts, shared with `serve --state-file`.
 */
import { lstat, mkdir, open, readFile, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../../servers/atomic-file.js';

/** A path that cannot be used: `refused` before anything was written (exit 2), `failed` while writing (exit 1). */
export class OutputPathError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly kind: 'refused' | 'failed',
  ) {
    super(`${path}: ${problem}`);
    this.name = 'OutputPathError';
  }
}

/** An input file that cannot be used (missing, not a regular file, too big, unreadable). */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'InputFileError';
  }
}

/** An errno code in words; unknown codes are named, never the raw message. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EEXIST':
      return 'already exists';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EIO':
      return 'input/output error';
    default:
      return code === undefined ? 'cannot be used' : `cannot be used (${code})`;
  }
}

function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function statOrNull(p: string): Promise<Awaited<ReturnType<typeof stat>> | null> {
  try {
    return await stat(p);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Makes sure `dir` is a directory, creating what is missing one level at a time. Why not
 * mkdir({recursive: true}): on /proc it never returns (and ignores SIGTERM); walking the parents
 * ourselves also names the part that is a file (ENOTDIR, not Node's misleading EEXIST).
 */
export async function ensureDirectory(dir: string, shownAs = dir): Promise<void> {
  const absolute = path.resolve(dir);
  const parts = absolute.split(path.sep).filter((part) => part !== '');
  let current = path.parse(absolute).root;
  for (const part of parts) {
    current = path.join(current, part);
    let info;
    try {
      info = await statOrNull(current);
    } catch (error) {
      throw new OutputPathError(shownAs, `cannot use ${current} (${describeFsError(error)})`, 'refused');
    }
    if (info?.isDirectory()) continue;
    if (info) throw new OutputPathError(shownAs, `${current} is ${kindOf(info) === 'not a regular file' ? 'a file' : kindOf(info)}, not a directory`, 'refused');
    try {
      await mkdir(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && (await statOrNull(current))?.isDirectory()) continue;
      throw new OutputPathError(shownAs, `cannot create the directory ${current} (${describeFsError(error)})`, 'refused');
    }
  }
}

/**
 * The output directory of a run, checked before anything runs: created if missing, writable
 * (a probe file is created and removed), and `fileName` in it, if present, a regular file.
 */
export async function prepareOutputDirectory(dir: string, fileName: string): Promise<void> {
  await ensureDirectory(dir);
  const probe = path.join(dir, `.wirebench-probe-${process.pid}`);
  try {
    const handle = await open(probe, 'wx');
    await handle.close();
    await unlink(probe);
  } catch (error) {
    throw new OutputPathError(dir, `cannot write in this directory (${describeFsError(error)})`, 'refused');
  }
  await writableTarget(path.join(dir, fileName));
}

/**
 * A file an option names, to be written later (after a run, at shutdown), checked now as
 * {@link prepareOutputDirectory} does; a refusal names the option, e.g. `--summary <dir>: …`.
 */
export async function prepareOutputFile(file: string, flag: string): Promise<void> {
  try {
    await prepareOutputDirectory(path.dirname(file), path.basename(file));
  } catch (error) {
    if (error instanceof OutputPathError) throw new OutputPathError(`${flag} ${error.path}`, error.problem, error.kind);
    throw error;
  }
}

/**
 * Where writing `file` must go: the file itself, or a symbolic link's target (written through,
 * the link kept). Refuses a FIFO, a device, a directory, a socket or a dangling link: a
 * temp-file-and-rename write would replace them with a regular file.
 */
async function writableTarget(file: string): Promise<string> {
  let link;
  try {
    link = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw new OutputPathError(file, describeFsError(error), 'refused');
  }
  let target = file;
  if (link.isSymbolicLink()) {
    try {
      target = await realpath(file);
    } catch {
      throw new OutputPathError(file, 'is a symbolic link to nothing: not written (point it at a file or remove it)', 'refused');
    }
  }
  const info = await statOrNull(target);
  if (info && !info.isFile()) throw new OutputPathError(file, `is ${kindOf(info)}, not a regular file: not replaced`, 'refused');
  return target;
}

/**
 * Writes `text` to `file` atomically (servers/atomic-file.ts: a synced temp file renamed into
 * place), after the path checks above: missing parent directories are created, a link is written
 * through, anything but a regular file is refused. A failure is one line naming the file.
 */
export async function writeFileSafely(file: string, text: string): Promise<void> {
  await ensureDirectory(path.dirname(file), file);
  const target = await writableTarget(file);
  try {
    await writeFileAtomically(target, text, 0o644);
  } catch (error) {
    throw new OutputPathError(file, `not written: ${describeFsError(error)}`, 'failed');
  }
}

/**
 * Reads a user-named input file as UTF-8, refusing what is not a regular file (a FIFO would block
 * forever) and anything over `maxBytes` (a 200 MB results file is not one wirebench wrote).
 */
export async function readFileBounded(file: string, maxBytes: number, what: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new InputFileError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : describeFsError(error));
  }
  if (!info.isFile()) throw new InputFileError(file, `is ${kindOf(info)}, not ${what}`);
  if (info.size > maxBytes) {
    throw new InputFileError(file, `is ${(info.size / 1048576).toFixed(1)} MiB, over the ${maxBytes / 1048576} MiB limit for ${what}`);
  }
  try {
    const text = await readFile(file, 'utf8');
    // The file may have grown since stat.
    if (Buffer.byteLength(text) > maxBytes) throw new InputFileError(file, `is over the ${maxBytes / 1048576} MiB limit for ${what}`);
    return text;
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(file, `cannot read (${describeFsError(error)})`);
  }
}

/** Largest results or microbenchmark file report and compare read: real runs write a few MB at most. */
export const MAX_INPUT_FILE_BYTES = 32 * 1024 * 1024;
