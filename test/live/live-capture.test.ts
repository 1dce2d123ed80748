// Live capture between two namespaces: real ping, hping3 and nmap traffic must arrive decoded correctly.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/corpus.js';
import { createNetnsPair, waitForExit, waitForStderr, type NetnsPair } from '../support/netns.js';

interface Pkt {
  src_ip?: string; dst_ip?: string; src_port?: number; dst_port?: number; protocol: string;
  tcp_flags?: string; icmp_type?: number; length: number; ttl?: number;
}

let net: NetnsPair;
const dir = mkdtempSync(join(tmpdir(), 'nw-live-'));

before(() => { net = createNetnsPair('lc'); });
after(() => { net?.destroy(); });

function readJsonl(path: string): Pkt[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Pkt);
}

test('ping, hping3 SYNs and an nmap SYN scan arrive decoded; Ctrl-C ends with summary and complete export', { timeout: 120_000 }, async () => {
  const out = join(dir, 'live.json');
  const cap = net.spawn(net.nsA, [process.execPath, CLI, 'capture', '-i', net.ifA, '--export', 'json', '-o', out, '--summary', 'json', '-q']);
  const exited = waitForExit(cap, 90_000);
  await waitForStderr(cap, /capturing on/, 20_000);
  net.exec(net.nsB, ['ping', '-c', '4', '-i', '0.2', '-W', '1', net.ipA]);
  net.exec(net.nsB, ['hping3', '-S', '-p', '8080', '-c', '5', '-i', 'u50000', net.ipA], 20_000);
  net.exec(net.nsB, ['nmap', '-n', '-Pn', '-sS', '-p', '20-30', '--max-retries', '0', '--host-timeout', '20s', net.ipA], 30_000);
  await new Promise((r) => setTimeout(r, 300));
  cap.kill('SIGINT');
  const res = await exited;
  assert.equal(res.code, 0, res.stderr);
  const summary = JSON.parse(res.stdout) as {
    packets: number; stopReason: string;
    loss: { ringDrops: number; pcap: { received: number; dropped: number } | null; interfaceCounters: { measured: boolean; expected: number } };
  };
  const pkts = readJsonl(out);
  assert.equal(pkts.length, summary.packets, 'the export holds every packet the summary counted');
  assert.equal(summary.stopReason, 'on signal');
  assert.equal(summary.loss.ringDrops, 0);
  assert.ok(summary.loss.pcap !== null, 'pcap_stats are reported');
  assert.equal(summary.loss.pcap.dropped, 0);
  assert.ok(summary.loss.pcap.received >= summary.packets - 5 && summary.loss.pcap.received <= summary.packets + 5,
    `pcap_stats received ${summary.loss.pcap.received}, captured ${summary.packets}`);
  assert.equal(summary.loss.interfaceCounters.measured, true);

  const echoReq = pkts.filter((p) => p.protocol === 'ICMP' && p.icmp_type === 8 && p.src_ip === net.ipB && p.dst_ip === net.ipA);
  const echoRep = pkts.filter((p) => p.protocol === 'ICMP' && p.icmp_type === 0 && p.src_ip === net.ipA && p.dst_ip === net.ipB);
  assert.equal(echoReq.length, 4);
  assert.equal(echoRep.length, 4);
  assert.ok(echoReq.every((p) => p.length === 98 && p.ttl === 64));

  const syn8080 = pkts.filter((p) => p.protocol === 'TCP' && p.dst_port === 8080 && p.src_ip === net.ipB && p.tcp_flags === 'S');
  const rst8080 = pkts.filter((p) => p.protocol === 'TCP' && p.src_port === 8080 && p.dst_ip === net.ipB && p.tcp_flags === 'RA');
  assert.equal(syn8080.length, 5);
  assert.equal(rst8080.length, 5);

  const scanned = new Set(pkts.filter((p) => p.protocol === 'TCP' && p.src_ip === net.ipB && p.tcp_flags === 'S' && p.dst_port! >= 20 && p.dst_port! <= 30).map((p) => p.dst_port));
  assert.equal(scanned.size, 11, `nmap probed ports ${[...scanned].join(',')}`);
  const refused = pkts.filter((p) => p.protocol === 'TCP' && p.src_ip === net.ipA && p.tcp_flags === 'RA' && p.src_port! >= 20 && p.src_port! <= 30);
  assert.ok(refused.length >= 11);
});

test('on loopback, where the kernel counts every packet sent and received, the interface counters find nothing missing', { timeout: 60_000 }, async () => {
  // The namespace's own loopback: only this test's pings cross it.
  const cap = net.spawn(net.nsA, [process.execPath, CLI, 'capture', '-i', 'lo', '--count', '10', '--no-store', '--summary', 'json', '-q']);
  const exited = waitForExit(cap, 40_000);
  await waitForStderr(cap, /capturing on/, 20_000);
  net.exec(net.nsA, ['ping', '-c', '5', '-i', '0.2', '-W', '1', '127.0.0.1']);
  const res = await exited;
  assert.equal(res.code, 0, res.stderr);
  const s = JSON.parse(res.stdout) as { packets: number; loss: { interfaceCounters: { measured: boolean; expected: number; estimate: number } } };
  assert.equal(s.packets, 10);
  assert.equal(s.loss.interfaceCounters.measured, true);
  // rx + tx would say 20 expected and 10 "not captured".
  assert.ok(s.loss.interfaceCounters.expected >= 10 && s.loss.interfaceCounters.expected <= 12, JSON.stringify(s.loss));
  assert.ok(s.loss.interfaceCounters.estimate <= 2, JSON.stringify(s.loss));
});

test('--count stops after exactly that many packets and prints the loss report', { timeout: 60_000 }, async () => {
  const out = join(dir, 'count.csv');
  const cap = net.spawn(net.nsA, [process.execPath, CLI, 'capture', '-i', net.ifA, '--count', '6', '--filter', 'icmp', '-o', out, '--duration', '30']);
  const exited = waitForExit(cap, 45_000);
  await waitForStderr(cap, /capturing on/, 20_000);
  net.exec(net.nsB, ['ping', '-c', '5', '-i', '0.2', '-W', '1', net.ipA]);
  const res = await exited;
  assert.equal(res.code, 0, res.stderr);
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 1 + 6);
  assert.match(res.stdout, /stopped\s+after 6 packets/);
  assert.match(res.stdout, /interface counters: not comparable: a capture filter is set/);
  assert.match(res.stdout, /kernel \(pcap_stats\): 0 dropped of \d+/);
  assert.match(res.stdout, /ICMP\s+6 pkts/);
});

test('"any" (Linux cooked capture) is captured and decoded like an Ethernet device', { timeout: 60_000 }, async () => {
  const out = join(dir, 'any.json');
  const cap = net.spawn(net.nsA, [process.execPath, CLI, 'capture', '-i', 'any', '--count', '4', '--filter', 'icmp', '--export', 'json', '-o', out,
    '--duration', '30', '--summary', 'json', '-q', '--no-store']);
  const exited = waitForExit(cap, 45_000);
  await waitForStderr(cap, /capturing on any \(linux-sll\)/, 20_000);
  net.exec(net.nsB, ['ping', '-c', '2', '-i', '0.2', '-W', '1', net.ipA]);
  const res = await exited;
  assert.equal(res.code, 0, res.stderr);
  const pkts = readJsonl(out);
  assert.deepEqual(pkts.map((p) => [p.protocol, p.src_ip, p.dst_ip, p.icmp_type]), [
    ['ICMP', net.ipB, net.ipA, 8], ['ICMP', net.ipA, net.ipB, 0], ['ICMP', net.ipB, net.ipA, 8], ['ICMP', net.ipA, net.ipB, 0],
  ]);
});

test('bad filter, unknown interface and missing privilege each give one clear line', { timeout: 60_000 }, () => {
  const bad = spawnSync('ip', ['netns', 'exec', net.nsA, process.execPath, CLI, 'capture', '-i', net.ifA, '--filter', 'tcp and and', '-c', '1'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bad capture filter "tcp and and"/);
  const unknown = spawnSync(process.execPath, [CLI, 'capture', '-i', 'nosuch0', '-c', '1'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown interface "nosuch0"/);
  // Root without CAP_NET_RAW in its bounding set: what an unprivileged user gets, with the files still readable.
  const unpriv = spawnSync('setpriv', ['--bounding-set=-net_raw,-net_admin', '--', process.execPath, CLI, 'capture', '-i', 'lo', '-c', '1'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(unpriv.status, 1, unpriv.stderr);
  assert.match(unpriv.stderr, /needs the CAP_NET_RAW privilege.*sudo setcap cap_net_raw=eip/);
  // Errors found after the capture thread started (config, model) end the process too: it once printed
  // the line and then waited on the thread for ever. An alert log named by a directory is refused before.
  const cfg = join(dir, 'unknown-key.json');
  writeFileSync(cfg, JSON.stringify({ nosuchkey: 1 }));
  for (const [args, status, message] of [
    [['--config', cfg], 2, /nosuchkey: unknown key/],
    [['--model', join(dir, 'no-model.json')], 2, /cannot read model: no such file/],
    [['--alert-log', dir], 2, /--alert-log .*: is a directory; name a file$/m],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'capture', '-i', 'lo', '-c', '1', '-q', '--no-store', ...args], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, status, `${args.join(' ')}: status ${r.status} signal ${r.signal}\n${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
