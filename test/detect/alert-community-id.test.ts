// Every alert about one probe, echo or query carries the Community ID of that packet's flow, so an
// analyst pivots from the alert to the flow log (and to Zeek's conn.log or Suricata's flow events) on
// it: ICMP and TCP/UDP host sweeps, ICMP floods, ICMP and DNS tunnels. ARP sweeps have none (not IP).
// It also carries that flow's flow_id, which names exactly one flow record of the run (a Community ID
// is the same for every flow of one 5-tuple), in the flow log and in the database.

import { test } from 'node:test';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';
import { dnsQuery, ip, ipv4Icmp, ipv4Tcp, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-alert-cid-'));
const TCP_SYN = 0x02;

interface Alert { alert: { signature_id: number }; src_ip: string; dest_ip: string; proto: string; src_port?: number; dest_port?: number; community_id?: string; flow_id?: number; netwatch: { detector: string } }
interface Flow { flow_id: number; src_ip: string; dest_ip: string; src_port: number; dest_port: number; proto: string; community_id: string }

function run(file: string, store: string[] = ['--no-store']): { alerts: Alert[]; flows: Flow[] } {
  const alerts = join(dir, 'alerts.json');
  const flows = join(dir, 'flows.json');
  const r = spawnSync(CLI, ['analyze', file, ...store, '-q', '--summary', 'none', '--alerts', alerts, '--flows', flows], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { alerts: lines(alerts) as Alert[], flows: lines(flows) as Flow[] };
}

/** The packets, in time order, as a capture analysed into a database that keeps alerted flows. */
function runStoringFlows(name: string, packets: PcapPacket[]): { r: { alerts: Alert[]; flows: Flow[] }; db: string } {
  packets.sort((x, y) => x.sec - y.sec || x.frac - y.frac);
  const file = join(dir, `${name}.pcap`);
  writeFileSync(file, pcapFile(packets));
  const db = join(dir, `${name}.db`);
  return { r: run(file, ['--db', db, '--db-flows', 'alerted']), db };
}

/** The one flow whose Community ID the alert of this detector carries, with the alert's addresses. */
function joined(r: { alerts: Alert[]; flows: Flow[] }, detector: string): { a: Alert; f: Flow } {
  const a = r.alerts.find((x) => x.netwatch.detector === detector);
  assert.ok(a, `no ${detector} alert`);
  assert.match(a.community_id ?? '', /^1:[A-Za-z0-9+/]{27}=$/, detector);
  const fs = r.flows.filter((f) => f.community_id === a.community_id);
  assert.equal(fs.length, 1, `${detector}: ${fs.length} flows with ${a.community_id}`);
  const f = fs[0];
  assert.deepEqual([f.src_ip, f.dest_ip], [a.src_ip, a.dest_ip], detector);
  assert.equal(a.flow_id, f.flow_id, `${detector}: flow_id`);
  return { a, f };
}

/** An ICMPv6 echo request (type 128) in Ethernet, from and to the given 16-byte addresses. */
function ipv6Echo(src: Buffer, dst: Buffer): Buffer {
  const f = Buffer.alloc(14 + 40 + 8 + 32);
  f.writeUInt16BE(0x86dd, 12);
  f[14] = 0x60;
  f.writeUInt16BE(8 + 32, 18);
  f[20] = 58;
  f[21] = 64;
  src.copy(f, 22);
  dst.copy(f, 38);
  f[54] = 128;
  return f;
}

/** An ARP request (who-has tpa, tell spa). */
function arpRequest(spa: number, tpa: number): Buffer {
  const f = Buffer.alloc(42);
  f.fill(0xff, 0, 6);
  Buffer.from([2, 0, 0, 0, 0, 7]).copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14); f.writeUInt16BE(0x0800, 16); f[18] = 6; f[19] = 4; f.writeUInt16BE(1, 20);
  Buffer.from([2, 0, 0, 0, 0, 7]).copy(f, 22);
  f.writeUInt32BE(spa >>> 0, 28);
  f.writeUInt32BE(tpa >>> 0, 38);
  return f;
}

const v6 = (last: number): Buffer => Buffer.from(`20010db80077000000000000000000${last.toString(16).padStart(2, '0')}`, 'hex');

test('ICMP, ICMPv6 and TCP host sweeps carry the Community ID of the probe they name; a raise made later names its own probe and stores its flow', () => {
  const packets: PcapPacket[] = [];
  const t0 = 1_700_000_000;
  const at = (sec: number, data: Buffer) => packets.push({ sec: Math.floor(sec), frac: Math.round((sec % 1) * 1e6), data });
  for (let i = 0; i < 40; i++) {
    at(t0 + i * 0.1, ipv4Icmp(ip('10.77.0.5'), ip(`10.77.1.${i + 1}`), 8, 0));
    at(t0 + 5 + i * 0.1, ipv6Echo(v6(1), v6(100 + i)));
    at(t0 + 10 + i * 0.1, arpRequest(ip('10.77.0.7'), ip(`10.77.4.${i + 1}`)));
    // ICMPv4 type 128 is not an echo request (ICMPv6's is): no sweep, no flood.
    at(t0 + 15 + i * 0.1, ipv4Icmp(ip('10.77.0.8'), ip(`10.77.5.${i + 1}`), 128, 0));
    // The TCP sweep's 30th probe (t0 + 2.9) raises.
    at(t0 + i * 0.1, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip(`10.77.2.${i + 1}`), sport: 40000 + i, dport: 445, flags: TCP_SYN }));
  }
  // 59.5 s after that alert, 40 more probes within a second: the first over the threshold is folded into the
  // incident (within the 60 s suppression), the rest are refused by the once-a-second gate, and the raise made
  // for them later, after the suppression ended, names the last one.
  for (let j = 0; j < 40; j++) at(t0 + 2.9 + 59.5 + j * 0.025, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip(`10.77.3.${j + 1}`), sport: 41000 + j, dport: 445, flags: TCP_SYN }));
  // Unrelated traffic for a few seconds more, so the once-a-second tick comes.
  for (let k = 0; k < 8; k++) at(t0 + 63 + k * 0.5, ipv4Udp(ip('10.77.9.1'), ip('10.77.9.2'), 5353, 5353, Buffer.alloc(10)));
  const { r, db } = runStoringFlows('sweeps', packets);
  const sweeps = r.alerts.filter((a) => a.netwatch.detector === 'host_sweep');
  assert.deepEqual(sweeps.map((a) => `${a.src_ip} ${a.proto}`), ['10.77.0.5 ICMP', '10.77.0.6 TCP', '2001:db8:77::1 IPv6-ICMP', '10.77.0.7 ARP', '10.77.0.6 TCP']);
  const arp = sweeps.find((a) => a.proto === 'ARP')!;
  assert.equal(arp.community_id, undefined);
  const stored = new Database(db, { readonly: true });
  try {
    for (const a of sweeps.filter((x) => x.proto !== 'ARP')) {
      const fs = r.flows.filter((f) => f.community_id === a.community_id);
      assert.equal(fs.length, 1, `${a.src_ip}: ${a.community_id}`);
      assert.deepEqual([fs[0].src_ip, fs[0].dest_ip], [a.src_ip, a.dest_ip]);
      assert.equal(a.flow_id, fs[0].flow_id, `${a.src_ip} ${a.dest_ip}: flow_id`);
      if (a.proto === 'TCP') assert.deepEqual([a.src_port, a.dest_port], [fs[0].src_port, fs[0].dest_port]);
      // The flow an alert names is kept with --db-flows alerted, whether the raise was at its packet or later.
      assert.equal((stored.prepare('SELECT count(*) AS n FROM flows WHERE community_id = ?').get(a.community_id) as { n: number }).n, 1, `${a.src_ip} ${a.dest_ip}`);
    }
    // In the database the alert's row joins its flow's row on (run, flow_id).
    const joinedRows = stored.prepare(`SELECT a.dest_ip, f.dest_ip AS flow_dest FROM alerts a JOIN flows f
      ON f.run_id = a.run_id AND f.flow_id = a.flow_id AND f.community_id = a.community_id WHERE a.detector = 'host_sweep'`).all();
    assert.equal(joinedRows.length, 4);
    assert.equal(arp.flow_id, undefined);
  } finally {
    stored.close();
  }
  // The later raise names the last probe of the second burst, with its own source port.
  const later = sweeps[4];
  assert.deepEqual([later.dest_ip, later.src_port, later.dest_port], ['10.77.3.40', 41039, 445]);
});

test('an ICMP flood and an ICMP tunnel carry the Community ID of their echo requests\' flow (corpus)', () => {
  // CATALOG.md: rsmurf6 sends 1,000 echo requests to ff02::1; covert_send6 18 echo requests with hidden options.
  const smurf = joined(run(`${CORPUS}/attack/dos/sv_thc_rsmurf6.pcap`), 'icmp_flood');
  assert.deepEqual([smurf.f.proto, smurf.f.src_port, smurf.f.dest_port], ['IPv6-ICMP', 128, 129]);
  const covert = joined(run(`${CORPUS}/attack/tunnel/sv_thc_covert_send6.pcap`), 'icmp_tunnel');
  assert.equal(covert.a.src_ip, '2001:db8:2:0:8e16:45ff:fee5:5ba2');
});

test('a DNS tunnel alert carries the Community ID of the query it quotes', () => {
  const packets: PcapPacket[] = Array.from({ length: 200 }, (_, i) => ({
    sec: 1_700_000_000 + Math.floor(i / 4), frac: (i % 4) * 250_000,
    data: ipv4Udp(ip('10.77.0.5'), ip('10.77.0.53'), 30000 + i, 53, dnsQuery(`a${(i * 7919).toString(36)}.data.example.org`, 1, i)),
  }));
  const file = join(dir, 'dns.pcap');
  writeFileSync(file, pcapFile(packets));
  const { a, f } = joined(run(file), 'dns_tunnel');
  assert.deepEqual([f.src_port, f.dest_port], [a.src_port, 53]);
});

test('a port scan raised later, after the suppression, names its last probe by flow_id and stores that flow', () => {
  const packets: PcapPacket[] = [];
  const t0 = 1_700_000_000;
  const at = (sec: number, data: Buffer) => packets.push({ sec: Math.floor(sec), frac: Math.round((sec % 1) * 1e6), data });
  // 60 SYN probes in 6 s: the 51st port (t0 + 5.0) raises, where the sketch's distinct count reaches 50.
  for (let i = 0; i < 60; i++) at(t0 + i * 0.1, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip('10.77.2.1'), sport: 40000 + i, dport: 1 + i, flags: TCP_SYN }));
  // 59 s after that alert, 60 more probes in 1.2 s: with what is left of the first probes in the sliding
  // window they cross the threshold while the suppression lasts (folded into the incident), are then
  // refused by the once-a-second gate, and raised at the next tick for the last of them.
  for (let j = 0; j < 60; j++) at(t0 + 64 + j * 0.02, ipv4Tcp({ src: ip('10.77.0.6'), dst: ip('10.77.2.1'), sport: 41000 + j, dport: 101 + j, flags: TCP_SYN }));
  for (let k = 0; k < 8; k++) at(t0 + 66 + k * 0.5, ipv4Udp(ip('10.77.9.1'), ip('10.77.9.2'), 5353, 5353, Buffer.alloc(10)));
  const { r, db } = runStoringFlows('scan-later', packets);
  const scans = r.alerts.filter((a) => a.netwatch.detector === 'port_scan');
  assert.deepEqual(scans.map((a) => [a.src_port, a.dest_port]), [[40050, 51], [41059, 160]]);
  const stored = new Database(db, { readonly: true });
  try {
    for (const a of scans) {
      const fs = r.flows.filter((f) => f.flow_id === a.flow_id);
      assert.equal(fs.length, 1, `flow_id ${a.flow_id}`);
      assert.deepEqual([fs[0].src_port, fs[0].dest_port, fs[0].community_id], [a.src_port, a.dest_port, a.community_id]);
      // Kept with --db-flows alerted, the later raise's probe too (it came before the packet that raised it).
      const row = stored.prepare('SELECT f.dest_port FROM alerts a JOIN flows f ON f.run_id = a.run_id AND f.flow_id = a.flow_id WHERE a.flow_id = ?').get(a.flow_id) as { dest_port: number } | undefined;
      assert.equal(row?.dest_port, a.dest_port, `stored flow of the alert on port ${a.dest_port}`);
    }
  } finally {
    stored.close();
  }
});

test('on every attack capture, an alert with a Community ID has the flow_id of one flow record with that Community ID', () => {
  const files = readdirSync(`${CORPUS}/attack`, { recursive: true, encoding: 'utf8' }).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
  assert.ok(files.length >= 15, `${files.length} attack captures`);
  let checked = 0;
  for (const f of files) {
    const r = run(`${CORPUS}/attack/${f}`);
    const byId = new Map(r.flows.map((x) => [x.flow_id, x]));
    assert.equal(byId.size, r.flows.length, `${f}: flow_id repeated in the flow log`);
    for (const a of r.alerts) {
      if (a.community_id === undefined) {
        assert.equal(a.flow_id, undefined, `${f}: ${a.netwatch.detector} has a flow_id but no Community ID`);
        continue;
      }
      const fl = byId.get(a.flow_id ?? -1);
      assert.ok(fl, `${f}: ${a.netwatch.detector} flow_id ${a.flow_id} is no flow of the log`);
      assert.equal(fl.community_id, a.community_id, `${f}: ${a.netwatch.detector}`);
      // As in Suricata's EVE, the Community ID is that of the alert's own addresses, ports and protocol:
      // a tool that recomputes it from the alert, or joins on it with the addresses, finds this flow.
      const ends = (x: { src_ip: string; dest_ip: string; src_port?: number; dest_port?: number }) =>
        [`${x.src_ip} ${x.src_port ?? ''}`, `${x.dest_ip} ${x.dest_port ?? ''}`].sort().join(' | ');
      const ported = a.proto === 'TCP' || a.proto === 'UDP';
      assert.equal(ends(ported ? a : { src_ip: a.src_ip, dest_ip: a.dest_ip }), ends(ported ? fl : { src_ip: fl.src_ip, dest_ip: fl.dest_ip }),
        `${f}: ${a.netwatch.detector} ${a.alert.signature_id} names another flow than its own endpoints`);
      assert.equal(a.proto, fl.proto, `${f}: ${a.netwatch.detector} ${a.alert.signature_id} proto`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `${checked} alerts joined`);
});

test('an ARP redirection (9101303) names attacker and victim, and the redirected flow in its evidence, not as its own flow', () => {
  const r = run(`${CORPUS}/attack/arp-spoof/ppa_arppoison.pcapng`);
  const a = r.alerts.find((x) => x.alert.signature_id === 9101303) as Alert & { netwatch: { evidence: { redirected_flow: Flow } } } | undefined;
  assert.ok(a, 'no 9101303');
  assert.deepEqual([a.src_ip, a.dest_ip, a.proto, a.community_id, a.flow_id], ['172.16.0.1', '172.16.0.107', 'ARP', undefined, undefined]);
  const red = a.netwatch.evidence.redirected_flow;
  const fl = r.flows.find((x) => x.flow_id === red.flow_id);
  assert.ok(fl, `redirected flow ${red.flow_id} is no flow of the log`);
  assert.deepEqual([red.src_ip, red.src_port, red.dest_ip, red.dest_port, red.proto, red.community_id],
    [fl.src_ip, fl.src_port, fl.dest_ip, fl.dest_port, fl.proto, fl.community_id]);
  assert.equal(red.src_ip, '172.16.0.107');
});
