/** The machine a run was measured on, written into every results document. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Environment } from '../results/results-schema.js';

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null; // not a git checkout (an npm install), or no git: the revision is simply unknown
  }
}

export function describeEnvironment(wirebenchVersion: string): Environment {
  const revision = git(['rev-parse', 'HEAD']);
  const status = revision === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    gitRevision: revision,
    gitDirty: status === null ? null : status !== '',
    wirebenchVersion,
  };
}
