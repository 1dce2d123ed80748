// Packets inside tunnels are what netwatch counts, tracks and detects on: the flows inside Zeek's GRE and
// VXLAN traces equal its conn.log, the summary and the exports name the tunnel, and an nmap SYN scan
// carried in VXLAN (every frame of the corpus capture wrapped as a cloud traffic mirror would) raises the
// same port-scan alert as the bare capture.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptureFile } from '../../src/capture/capture-file.js';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { ip, ipv4Udp, pcapFile, vxlanHeaders, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-tun-'));

interface Flow { src_ip: string; src_port: number; dest_ip: string; dest_port: number; proto: string; conn_state: string; history: string; orig_pkts: number; resp_pkts: number }

function analyze(path: string, extra: string[] = []): { flows: Flow[]; summary: { tunnels?: Record<string, number>; protocols: { protocol: string; packets: number }[]; detection: { alerts: { src_ip: string; dest_ip: string; alert: { signature_id: number }; netwatch: { evidence: Record<string, unknown> } }[] } } } {
  const out = join(dir, 'flows.json');
  const r = spawnSync(CLI, ['analyze', path, '--flows', out, '--summary', 'json', '-q', '--no-store', ...extra], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const flows = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Flow);
  return { flows, summary: JSON.parse(r.stdout) };
}

const row = (f: Flow) => `${f.src_ip}:${f.src_port} ${f.dest_ip}:${f.dest_port} ${f.proto} ${f.conn_state} ${f.history || '-'} ${f.orig_pkts} ${f.resp_pkts}`;

test('flows inside GRE equal Zeek\'s conn.log for its gre-sample trace', () => {
  const { flows, summary } = analyze(`${CORPUS}/edge/zeek_tunnels_gre-sample.pcap`);
  // zeek/zeek testing/btest/Baseline/core.tunnels.gre/conn.log: originator, responder, proto, conn_state, history, orig_pkts, resp_pkts.
  assert.deepEqual(flows.map(row).sort(), [
    '172.28.2.3:3 66.59.111.190:3 ICMP OTH - 2 0',
    '66.59.111.190:123 129.170.17.4:123 UDP SF Dd 1 1',
    '66.59.111.190:123 18.26.4.105:123 UDP SF Dd 1 1',
    '66.59.111.190:123 66.59.111.182:123 UDP SF Dd 1 1',
    '66.59.111.190:37675 172.28.2.3:53 UDP S0 D 2 0',
    '66.59.111.190:40264 172.28.2.3:22 TCP SF ShAdDaFf 12 10',
    '66.59.111.190:8 172.28.2.3:0 ICMP OTH - 4 4',
  ]);
  assert.deepEqual(summary.tunnels, { gre: 40 });
  assert.ok(!summary.protocols.some((p) => p.protocol === 'GRE'), JSON.stringify(summary.protocols));
});

test('VXLAN: the ICMP flow inside as Zeek logs it, ARP inside counted as ARP, and the export names the tunnel', () => {
  const csv = join(dir, 'vxlan.csv');
  const { flows, summary } = analyze(`${CORPUS}/edge/zeek_tunnels_vxlan.pcap`, ['-o', csv]);
  // zeek/zeek testing/btest/Baseline/core.tunnels.vxlan/conn.log, the flow inside (Zeek also logs the tunnel's UDP connections).
  assert.deepEqual(flows.map(row), ['10.0.0.1:8 10.0.0.2:0 ICMP OTH - 4 4']);
  assert.deepEqual(summary.tunnels, { vxlan: 10 });
  assert.deepEqual(summary.protocols.map((p) => `${p.protocol} ${p.packets}`), ['ICMP 8', 'ARP 2']);
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  assert.ok(lines[0].endsWith(',decode_status,tunnel'), lines[0]);
  assert.equal(lines[3], '2016-07-06T15:20:32.676047Z,10.0.0.1,10.0.0.2,,,ICMP,148,,64,4,,8,0,,,3,ok,vxlan 192.168.56.11>192.168.56.12');
});

/** Every frame of a capture wrapped in Ethernet / IPv4 / UDP 4789 / VXLAN between two mirror addresses (10.77.9.1 -> 10.77.9.2). */
function wrapInVxlan(path: string): Buffer {
  const reader = openCaptureFile(path);
  const frame = new RawFrame();
  const packets: PcapPacket[] = [];
  try {
    while (reader.next(frame)) {
      const inner = frame.data.subarray(frame.offset, frame.offset + frame.capLen);
      const outer = vxlanHeaders(5001, frame.wireLen);
      packets.push({ sec: frame.tsSec, frac: Math.floor(frame.tsNsec / 1000), data: Buffer.concat([outer, inner]), wireLen: frame.wireLen + outer.length });
    }
  } finally {
    reader.close();
  }
  return pcapFile(packets);
}

test('an nmap SYN scan mirrored through VXLAN raises the port scan of the bare capture, naming the hosts inside', () => {
  const bare = analyze(`${CORPUS}/attack/scan/ppa_synscan.pcapng`);
  const wrapped = join(dir, 'synscan-vxlan.pcap');
  writeFileSync(wrapped, wrapInVxlan(`${CORPUS}/attack/scan/ppa_synscan.pcapng`));
  const mirrored = analyze(wrapped);
  const scan = (s: typeof bare.summary) => s.detection.alerts.filter((a) => a.alert.signature_id === 9100101)
    .map((a) => `${a.src_ip} -> ${a.dest_ip} ${JSON.stringify(a.netwatch.evidence.open_ports)}`);
  assert.deepEqual(scan(mirrored.summary), ['172.16.0.8 -> 64.13.134.52 [22,53,80]']);
  assert.deepEqual(scan(mirrored.summary), scan(bare.summary));
  assert.equal(mirrored.flows.length, bare.flows.length);
  assert.ok((mirrored.summary.tunnels?.vxlan ?? 0) > 1000, JSON.stringify(mirrored.summary.tunnels));
});

test('a header that only looks like a tunnel hides nothing: a UDP flood to port 4789 with no packet inside is still a UDP flood', () => {
  // VXLAN's flags and identifier, then 14 bytes of "Ethernet" whose EtherType (0) is no protocol.
  const payload = Buffer.alloc(8 + 14 + 100);
  payload[0] = 0x08;
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 6000; i++) {
    packets.push({ sec: 1_700_000_000, frac: i * 100, data: ipv4Udp(ip('10.77.6.6'), ip('10.77.0.5'), 20000 + (i % 30000), 4789, payload) });
  }
  // And one whose inner IPv4 header is cut short: it stays the outer UDP packet too.
  const cut = Buffer.alloc(8 + 14 + 10);
  cut[0] = 0x08; cut.writeUInt16BE(0x0800, 8 + 12); cut[8 + 14] = 0x45;
  packets.push({ sec: 1_700_000_001, frac: 0, data: ipv4Udp(ip('10.77.6.7'), ip('10.77.0.5'), 1234, 4789, cut) });
  const file = join(dir, 'fake-vxlan.pcap');
  writeFileSync(file, pcapFile(packets));
  const { flows, summary } = analyze(file);
  assert.equal(summary.tunnels, undefined);
  assert.deepEqual(summary.protocols.map((p) => `${p.protocol} ${p.packets}`), ['UDP 6001']);
  const flood = summary.detection.alerts.filter((a) => a.alert.signature_id === 9100501).map((a) => `${a.src_ip} -> ${a.dest_ip}`);
  assert.deepEqual(flood, ['10.77.6.6 -> 10.77.0.5']);
  assert.equal(flows.filter((f) => f.dest_port === 4789).length, flows.length);
  assert.equal(flows.length, 6001);
});
