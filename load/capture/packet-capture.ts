/**
 * tcpdump on loopback for `bench --capture`: one capture per step of the server's port, written to
 * a pcap file that load/capture/pcap-reader.ts reads. Capturing needs tcpdump and the right to capture
 * (root, or CAP_NET_RAW and CAP_NET_ADMIN on the tcpdump binary); {@link probeCapture} says in one
 * line what is missing, and the bench goes on without the TCP/IP layer.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** How long tcpdump may take to say it is listening. */
const START_TIMEOUT_MS = 10_000;

export interface PacketCapture {
  /** Stops tcpdump (idempotent); `dropped` = packets the kernel dropped before tcpdump read them. */
  stop(): Promise<{ file: string; dropped: number }>;
}

const INSTALL_HINT = 'install it (apt-get install tcpdump)';
const GRANT_HINT = 'run as root, or grant it: sudo setcap cap_net_raw,cap_net_admin=eip "$(command -v tcpdump)"';

/** Starts tcpdump on `lo` for TCP to and from `port`, writing `file`; resolves once it listens. */
export async function startCapture(port: number, file: string): Promise<PacketCapture> {
  // --immediate-mode: packets reach tcpdump as they come (not when a kernel block fills or times
  // out), and -U writes each one at once, so the last ones are in the file when it is stopped.
  // -B: a 32 MiB kernel buffer, so a burst of thousands of frames is not dropped before tcpdump
  // reads it. -s 128: the headers are all that is read (sizes come from the IP and TCP headers).
  const args = ['-i', 'lo', '-n', '-s', '128', '-B', '32768', '--immediate-mode', '-U', '-w', file, 'tcp', 'port', String(port)];
  const tcpdump = spawn('tcpdump', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  tcpdump.stderr.setEncoding('utf8');
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start listening within ${START_TIMEOUT_MS / 1000} s: ${stderr.trim()}`)), START_TIMEOUT_MS);
      tcpdump.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(error.code === 'ENOENT' ? `tcpdump is not installed: ${INSTALL_HINT}` : `cannot run tcpdump (${error.message})`, { cause: error }));
      });
      tcpdump.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      tcpdump.once('exit', (code) => {
        clearTimeout(timer);
        const why = stderr.trim().split('\n').pop() ?? '';
        const permission = /permission|not permitted|privilege/i.test(stderr);
        reject(new Error(permission ? `tcpdump may not capture on lo (${why}): ${GRANT_HINT}` : `tcpdump exited (${String(code)}): ${why}`));
      });
    });
  } catch (error) {
    if (tcpdump.exitCode === null && tcpdump.signalCode === null) tcpdump.kill('SIGKILL');
    throw error;
  }
  let stopped: Promise<{ file: string; dropped: number }> | undefined;
  return {
    stop() {
      stopped ??= stopCapture();
      return stopped;
    },
  };
  async function stopCapture(): Promise<{ file: string; dropped: number }> {
    if (tcpdump.exitCode === null && tcpdump.signalCode === null) {
      const exited = once(tcpdump, 'exit');
      tcpdump.kill('SIGINT');
      await exited;
    }
    // A capture that lost packets cannot vouch for anything: the figures say so.
    return { file, dropped: Number(/(\d+) packets? dropped by kernel/.exec(stderr)?.[1] ?? 0) };
  }
}

/**
 * Whether this machine can capture: null if it can, else one line saying what to install or
 * grant. Starts and stops a capture of an unused port into `file`.
 */
export async function probeCapture(file: string): Promise<string | null> {
  try {
    await (await startCapture(9, file)).stop();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
