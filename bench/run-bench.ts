// `npm run bench`: netwatch measured side by side with reference tools in one run, reported as ratios.
//   offline: analyze on a generated 1M-packet pcap vs tcpdump -r and tshark -T fields
//   live: highest lossless rate of netwatch capture vs tcpdump, traffic replayed by tcpreplay on a veth pair

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../test/support/corpus.js';
import { createNetnsPair, waitForExit, waitForStderr, type NetnsPair } from '../test/support/netns.js';
import { writeSyntheticPcap } from './synthetic-capture.js';

const OUT = join(REPO_ROOT, 'bench-out');
const args = new Set(process.argv.slice(2));
const only = (name: string): boolean => ![...args].some((a) => !a.startsWith('--')) || args.has(name);

interface Timed { seconds: number; maxRssMiB: number; stdout: string; stderr: string }

/** Runs a command under GNU time for wall seconds and peak RSS; best of `repeat` runs by time. */
function timed(cmd: string, argv: string[], repeat = 1, stdoutFile = '/dev/null'): Timed {
  let best: Timed | null = null;
  for (let i = 0; i < repeat; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', 'NWTIME %e %M', 'sh', '-c', `exec "$0" "$@" > ${stdoutFile}`, cmd, ...argv],
      { encoding: 'utf8', maxBuffer: 1 << 26 });
    const m = /NWTIME ([\d.]+) (\d+)/.exec(r.stderr);
    if (r.status !== 0 || m === null) throw new Error(`${cmd} failed: ${r.stderr.slice(-500)}`);
    const t = { seconds: Number(m[1]), maxRssMiB: Math.round(Number(m[2]) / 1024), stdout: r.stdout, stderr: r.stderr };
    if (best === null || t.seconds < best.seconds) best = t;
  }
  return best!;
}

function offline(): Record<string, unknown> {
  const file = join(OUT, 'bench-1m.pcap');
  if (!existsSync(file)) {
    process.stderr.write('generating bench-out/bench-1m.pcap (1,000,000 packets)...\n');
    writeSyntheticPcap(file, { packets: 1_000_000 });
  }
  const packets = 1_000_000;
  const summaryFile = join(OUT, 'analyze-summary.json');
  const nw = timed(process.execPath, [CLI, 'analyze', file, '-q', '--summary', 'json'], 3, summaryFile);
  const summary = JSON.parse(execFileSync('cat', [summaryFile], { encoding: 'utf8' })) as { packets: number; run: { packetsPerSec: number; elapsedSec: number } };
  if (summary.packets !== packets) throw new Error(`netwatch counted ${summary.packets} packets`);
  const td = timed('tcpdump', ['-r', file, '-w', '/dev/null'], 3);
  process.stderr.write('tshark over 1M packets takes about a minute...\n');
  const ts = timed('tshark', ['-r', file, '-n', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst',
    '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', '_ws.col.Protocol', '-e', 'frame.len'], 1);
  const rate = (s: number) => Math.round(packets / s);
  return {
    file: 'bench-out/bench-1m.pcap (generated: 1,000,000 packets, 439 MB of frames, TCP/UDP/DNS/ICMP/IPv6/ARP/VLAN)',
    netwatchAnalyze: { wallSec: nw.seconds, packetsPerSec: rate(nw.seconds), pipelinePacketsPerSec: summary.run.packetsPerSec, maxRssMiB: nw.maxRssMiB },
    tcpdumpRead: { wallSec: td.seconds, packetsPerSec: rate(td.seconds), maxRssMiB: td.maxRssMiB },
    tsharkFields: { wallSec: ts.seconds, packetsPerSec: rate(ts.seconds), maxRssMiB: ts.maxRssMiB },
    ratios: {
      netwatchOverTshark: Math.round((ts.seconds / nw.seconds) * 10) / 10,
      netwatchPipelineOverTshark: Math.round((summary.run.packetsPerSec / rate(ts.seconds)) * 10) / 10,
      netwatchOverTcpdump: Math.round((td.seconds / nw.seconds) * 100) / 100,
    },
  };
}

const BUFFER_MB = Number(process.env.NETWATCH_BENCH_BUFFER_MB ?? 64);

interface LiveTrial { rate: number; sent: number; actualPps: number; received: number; lossless: boolean; detail: string }

function replay(net: NetnsPair, file: string, pps: number | 'top', limit: number): { sent: number; actualPps: number } {
  const rateArgs = pps === 'top' ? ['--topspeed'] : ['--pps', String(pps)];
  // The generator gets core 1 to itself and the capture tool core 0, so neither tool slows the traffic down.
  const out = net.exec(net.nsB, ['taskset', '-c', '1', 'tcpreplay', '-q', '-i', net.ifB, ...rateArgs, '--limit', String(limit), file], 120_000);
  const sent = /Actual: (\d+) packets/.exec(out);
  const rate = /Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(out);
  if (sent === null || rate === null) throw new Error(`cannot read tcpreplay output: ${out}`);
  return { sent: Number(sent[1]), actualPps: Math.round(Number(rate[1])) };
}

async function liveTrial(net: NetnsPair, tool: 'netwatch' | 'tcpdump', file: string, pps: number | 'top', limit: number): Promise<LiveTrial> {
  const cmd = tool === 'netwatch'
    ? ['taskset', '-c', '0', process.execPath, CLI, 'capture', '-i', net.ifA, '-q', '--summary', 'json', '--buffer-mb', String(BUFFER_MB)]
    : ['taskset', '-c', '0', 'tcpdump', '-i', net.ifA, '-w', '/dev/null', '-B', String(64 * 1024)];
  const child = net.spawn(net.nsA, cmd);
  const exited = waitForExit(child, 180_000);
  await waitForStderr(child, tool === 'netwatch' ? /capturing on/ : /listening on/, 20_000);
  const { sent, actualPps } = replay(net, file, pps, limit);
  // tcpdump's TPACKET_V3 blocks are handed over after up to 1 s: wait longer than that before stopping.
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGINT');
  const res = await exited;
  let received: number;
  let detail: string;
  if (tool === 'netwatch') {
    const s = JSON.parse(res.stdout) as { packets: number; loss: { ringDrops: number; pcap: { dropped: number } | null } };
    received = s.packets;
    detail = `ring drops ${s.loss.ringDrops}, kernel drops ${s.loss.pcap?.dropped ?? 'n/a'}`;
  } else {
    const m = /(\d+) packets captured[\s\S]*?(\d+) packets dropped by kernel/.exec(res.stderr);
    received = m ? Number(m[1]) : 0;
    detail = m ? `kernel drops ${m[2]}` : res.stderr.slice(-200);
  }
  return { rate: pps === 'top' ? actualPps : pps, sent, actualPps, received, lossless: received >= sent, detail };
}

async function live(): Promise<Record<string, unknown>> {
  const net = createNetnsPair('bl');
  try {
    for (const ns of [net.nsA, net.nsB]) net.exec(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
    const file = join(OUT, 'replay-200k.pcap');
    // Frames addressed to a MAC nobody owns: the sensor's kernel drops them after capture, so nothing answers.
    writeSyntheticPcap(file, { packets: 200_000, seed: 11, dstMac: [0x02, 0x77, 0xee, 0, 0, 1] });
    const ladder: (number | 'top')[] = [50_000, 100_000, 150_000, 200_000, 300_000, 400_000, 600_000, 'top'];
    const results: Record<string, LiveTrial[]> = { netwatch: [], tcpdump: [] };
    const best: Record<string, number> = { netwatch: 0, tcpdump: 0 };
    for (const pps of ladder) {
      const limit = pps === 'top' ? 200_000 : Math.min(200_000, Math.max(50_000, pps * 2));
      for (const tool of ['tcpdump', 'netwatch'] as const) {
        const t = await liveTrial(net, tool, file, pps, limit);
        results[tool].push(t);
        if (t.lossless) best[tool] = Math.max(best[tool], t.actualPps);
        process.stderr.write(`live ${tool} at ${pps} pps: sent ${t.sent} (${t.actualPps} pps) received ${t.received} ${t.lossless ? 'lossless' : 'LOSS'} (${t.detail})\n`);
      }
    }
    const generatorMax = results.tcpdump[results.tcpdump.length - 1].actualPps;
    return {
      replayFile: 'bench-out/replay-200k.pcap (generated mix, average 439-byte frames)',
      trials: results,
      highestLosslessPps: best,
      tcpreplayTopSpeedPps: generatorMax,
      ratioNetwatchOverTcpdump: best.tcpdump > 0 ? Math.round((best.netwatch / best.tcpdump) * 100) / 100 : null,
      note: best.tcpdump >= generatorMax * 0.95 ? 'tcpdump was lossless up to what tcpreplay could send; the ratio is bounded by the generator' : '',
    };
  } finally {
    net.destroy();
  }
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, cpus: 2 };
  if (only('offline')) {
    results.offline = offline();
    process.stdout.write(`offline: ${JSON.stringify(results.offline, null, 2)}\n`);
  }
  if (only('live')) {
    results.live = await live();
    process.stdout.write(`live: ${JSON.stringify(results.live, null, 2)}\n`);
  }
  writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`results written to bench-out/results.json\n`);
}

await main();
