/**
 * `bench --capture`: the TCP/IP layer from a packet capture of the run, checked against an
 * independent tcpdump of the same traffic (its own capture, counted from tcpdump's own printout).
 * Needs tcpdump and the right to capture on lo: skipped (saying why) without them; .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probeCapture } from '../load/capture/packet-capture.js';
import { parseResults, type CapturedDirection } from '../load/results/results-schema.js';
import { startServerProcess } from '../load/run/server-process.js';
import { readPayloadBytes } from '../load/capture/step-capture.js';

const CLI = fileURLToPath(new URL('../scripts/cli.js', import.meta.url));

function run(args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }));
  });
}

/** Every packet of `filter` in a pcap file as tcpdump itself prints it (`-tt -v`: epoch time, "proto TCP (6), length N"). */
function tcpdumpPackets(file: string, filter: string): Promise<Array<{ time: number; ipBytes: number }>> {
  return new Promise((resolve, reject) => {
    execFile('tcpdump', ['-r', file, '-tt', '-nn', '-v', ...filter.split(' ')], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      resolve([...stdout.matchAll(/^(\d+\.\d+) IP .*proto TCP \(6\), length (\d+)\)/gm)].map((m) => ({ time: Number(m[1]), ipBytes: Number(m[2]) })));
    });
  });
}

const tmp = await mkdtemp(path.join(os.tmpdir(), 'wirebench-capture-test-'));
const cannotCapture = await probeCapture(path.join(tmp, 'probe.pcap'));

test('bench --capture: per-step TCP/IP figures, TCP payload equal to the socket meter, IP bytes within 1 % of an independent tcpdump', { skip: cannotCapture ?? false, timeout: 110_000 }, async (t) => {
  for (const transport of ['poll', 'ws'] as const) {
    const server = await startServerProcess({ transport, rate: 5, size: 64, holdMs: 30_000, heartbeatMs: 0 });
    const port = new URL(server.url).port;
    const independentFile = path.join(tmp, `independent-${transport}.pcap`);
    const tcpdump = spawn('tcpdump', ['-i', 'lo', '-n', '-s', '96', '-B', '32768', '--immediate-mode', '-U', '-w', independentFile, 'tcp', 'port', port], { stdio: ['ignore', 'ignore', 'pipe'] });
    let tcpdumpErr = '';
    tcpdump.stderr.setEncoding('utf8');
    await new Promise<void>((resolve) => tcpdump.stderr.on('data', (chunk: string) => {
      tcpdumpErr += chunk;
      if (tcpdumpErr.includes('listening on')) resolve();
    }));
    const out = path.join(tmp, transport);
    let result;
    try {
      result = await run(['bench', '--capture', '--target', server.url, '--transports', transport, '--clients', '10,30', '--duration', '2s', '--warmup', '500ms', '--rate', '5', '--interval', '250ms', '--out', out, '--no-report'], 90_000);
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 300));
      tcpdump.kill('SIGINT');
      await once(tcpdump, 'exit');
      await server.stop();
    }
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /TCP\/IP layer \(packet capture/, 'the end table shows the TCP/IP layer');
    const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
    let ours = 0;
    for (const step of document.results[0]!.steps) {
      const label = `${transport} × ${step.clients}`;
      const m = step.measurement!;
      const c = m.capture;
      assert.ok(c, `${label}: captured`);
      assert.equal(c.droppedPackets, 0, label);
      assert.equal(c.connections, step.clients, `${label}: one connection per client`);
      for (const direction of ['down', 'up'] as const) {
        // The socket layer is the capture's TCP payload, byte for byte.
        assert.equal(readPayloadBytes(c.totals[direction]), m.totals.bytes[direction].totalBytes, `${label} ${direction}: TCP payload (less retransmissions and bytes after the client closed) = socket bytes`);
        const w: CapturedDirection = c.window[direction];
        assert.ok(w.segments > 0, `${label} ${direction}: segments in the window`);
        // Every segment carries 20 B of IPv4 and 20–60 B of TCP header (loopback: 32 with timestamps).
        assert.ok(w.tcpIpHeaderBytes >= 40 * w.segments && w.tcpIpHeaderBytes <= 120 * w.segments, `${label} ${direction}: ${w.tcpIpHeaderBytes} B of headers for ${w.segments} segments`);
        assert.equal(w.ipBytes, w.tcpIpHeaderBytes + w.tcpPayloadBytes, label);
      }
      // Each message pushed down is acknowledged by the client: ACK-only segments go up.
      assert.ok(c.window.up.ackOnlySegments > 0, `${label}: ACK-only segments up`);
      assert.ok(c.derived.bytesPerMessage.down! > m.derived.bytesPerMessage.down!, `${label}: the IP layer costs more than the socket layer`);
      ours += c.totals.down.ipBytes + c.totals.up.ipBytes + c.excluded.ipBytes;
    }
    // Ours covers each step, from before its first request to after its clients closed; the
    // independent capture covers the whole run, where the controller also talks between steps
    // (the target check, the capture probe). So it is counted over the steps' spans only: the
    // first and last packet of each step's capture, as tcpdump reads them.
    const spans = await Promise.all(
      (await readdir(path.join(out, 'capture'))).filter((f) => /^\w+-\d+-\d+\.pcap$/.test(f)).map(async (f) => {
        const packets = await tcpdumpPackets(path.join(out, 'capture', f), 'tcp');
        return { from: packets[0]!.time, to: packets.at(-1)!.time };
      }),
    );
    const theirPackets = (await tcpdumpPackets(independentFile, `tcp port ${port}`)).filter((p) => spans.some((s) => p.time >= s.from && p.time <= s.to));
    const theirs = theirPackets.reduce((a, p) => a + p.ipBytes, 0);
    t.diagnostic(`${transport}: IP bytes over the steps, ours ${ours} (clients + excluded), independent tcpdump ${theirs} in ${theirPackets.length} packets: ${(((ours - theirs) / theirs) * 100).toFixed(3)} %`);
    assert.ok(Math.abs(ours - theirs) <= 0.01 * theirs, `${transport}: ours ${ours} B, tcpdump ${theirs} B`);
  }
});

test('bench --capture without tcpdump: one line saying what to install, and the run goes on without the TCP/IP layer', { timeout: 60_000 }, async () => {
  const out = path.join(tmp, 'no-tcpdump');
  const result = await run(['bench', '--capture', '--transports', 'ws', '--clients', '2', '--duration', '500ms', '--warmup', '100ms', '--out', out, '--no-report'], 50_000, { ...process.env, PATH: path.join(tmp, 'empty-path') });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stderr.split('\n').filter((line) => line.includes('--capture'));
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /tcpdump is not installed: install it \(apt-get install tcpdump\); the run goes on without the TCP\/IP layer/);
  const document = parseResults(await readFile(path.join(out, 'results.json'), 'utf8'));
  assert.equal(document.results[0]!.steps[0]!.status, 'ok');
  assert.equal(document.results[0]!.steps[0]!.measurement!.capture, undefined);
  assert.match(document.environment.captureUnavailable ?? '', /tcpdump is not installed/);
});
