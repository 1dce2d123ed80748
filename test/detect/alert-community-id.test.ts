// Every alert about one probe, echo or query carries the Community ID of that packet's flow, so an
// analyst pivots from the alert to the flow log (and to Zeek's conn.log or Suricata's flow events) on
// it: ICMP and TCP/UDP host sweeps, ICMP floods, ICMP and DNS tunnels. ARP sweeps have none (not IP).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';
import { dnsQuery, ip, ipv4Icmp, ipv4Tcp, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-alert-cid-'));
const TCP_SYN = 0x02;

interface Alert { alert: { signature_id: number }; src_ip: string; dest_ip: string; src_port?: number; dest_port?: number; community_id?: string; netwatch: { detector: string } }
interface Flow { src_ip: string; dest_ip: string; src_port: number; dest_port: number; proto: string; community_id: string }

function run(file: string): { alerts: Alert[]; flows: Flow[] } {
  const alerts = join(dir, 'alerts.json');
  const flows = join(dir, 'flows.json');
  const r = spawnSync(CLI, ['analyze', file, '--no-store', '-q', '--summary', 'none', '--alerts', alerts, '--flows', flows], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { alerts: lines(alerts) as Alert[], flows: lines(flows) as Flow[] };
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
  return { a, f };
}

test('ICMP and TCP host sweeps carry the Community ID of the probe they name', () => {
  const packets: PcapPacket[] = [];
  const t0 = 1_700_000_000;
  for (let i = 0; i < 40; i++) {
    packets.push({ sec: t0 + Math.floor(i / 10), frac: (i % 10) * 100_000, data: ipv4Icmp(ip('10.77.0.5'), ip(`10.77.1.${i + 1}`), 8, 0) });
    packets.push({ sec: t0 + 5 + Math.floor(i / 10), frac: (i % 10) * 100_000, data: ipv4Tcp({ src: ip('10.77.0.6'), dst: ip(`10.77.2.${i + 1}`), sport: 40000 + i, dport: 445, flags: TCP_SYN }) });
  }
  packets.sort((x, y) => x.sec - y.sec || x.frac - y.frac);
  const file = join(dir, 'sweeps.pcap');
  writeFileSync(file, pcapFile(packets));
  const r = run(file);
  const sweeps = r.alerts.filter((a) => a.netwatch.detector === 'host_sweep');
  assert.deepEqual(sweeps.map((a) => a.src_ip).sort(), ['10.77.0.5', '10.77.0.6']);
  for (const a of sweeps) {
    const fs = r.flows.filter((f) => f.community_id === a.community_id);
    assert.equal(fs.length, 1, `${a.src_ip}: ${a.community_id}`);
    assert.deepEqual([fs[0].src_ip, fs[0].dest_ip], [a.src_ip, a.dest_ip]);
    // The TCP sweep names its probe's ports, which are the flow's.
    if (a.src_ip === '10.77.0.6') assert.deepEqual([fs[0].src_port, fs[0].dest_port, a.src_port, a.dest_port], [fs[0].src_port, 445, undefined, 445]);
  }
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
