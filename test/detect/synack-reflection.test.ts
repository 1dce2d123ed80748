// Unsolicited SYN-ACKs (reflection 9100602) count only once confirmed: sent again by the reflector on a
// flow where it sent nothing else, or refused by the victim with a RST. A capture that sees one direction
// only shows every connection of a client as a SYN-ACK without a SYN, followed by the server's data; it
// raised "unsolicited TCP SYN-ACKs" (stopddos_amp.dns.RRSIG.fragmented's inbound TLS sessions did), and
// its DNS answers raised a UDP port scan of the client by its resolver.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { CLI, CORPUS } from '../support/corpus.js';
import { ip, ipv4Tcp, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-synack-'));
const VICTIM = ip('10.77.0.5');
const R1 = ip('10.77.1.1');
const R2 = ip('10.77.1.2');
const R3 = ip('10.77.1.3');
const SYNACK = 0x12;
const ACK = 0x10;
const PSH_ACK = 0x18;
const RST = 0x04;
const t0 = 1_700_000_000;

function alertsOf(packets: PcapPacket[]): EveAlert[] {
  packets.sort((a, b) => a.sec - b.sec || a.frac - b.frac);
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, pcapFile(packets));
  const r = spawnSync(CLI, ['analyze', file, '--alerts', '-', '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
}

const pkt = (sec: number, frac: number, src: number, dst: number, sport: number, dport: number, flags: number, payload = 0): PcapPacket =>
  ({ sec, frac, data: ipv4Tcp({ src, dst, sport, dport, flags, payload }) });

test('a one-direction view of a client (SYN-ACKs then data from 3 servers, DNS answers to 60 ports) raises nothing', () => {
  const packets: PcapPacket[] = [];
  [R1, R2, R3].forEach((server, si) => {
    for (let i = 0; i < 12; i++) {
      const sec = t0 + i * 2 + si;
      const port = 40000 + si * 100 + i;
      packets.push(pkt(sec, 0, server, VICTIM, 443, port, SYNACK));
      packets.push(pkt(sec, 20_000, server, VICTIM, 443, port, ACK));
      packets.push(pkt(sec, 21_000, server, VICTIM, 443, port, PSH_ACK, 1200));
    }
  });
  // DNS responses (QR set, one question) from the resolver to the client's random source ports.
  for (let i = 0; i < 60; i++) {
    const answer = Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x77, 0x77, 0x77, 7, ...Buffer.from('example'), 3, 0x63, 0x6f, 0x6d, 0, 0, 1, 0, 1]);
    packets.push({ sec: t0 + Math.floor(i / 3), frac: 500_000 + i, data: ipv4Udp(R3, VICTIM, 53, 50000 + i * 7, answer) });
  }
  assert.deepEqual(alertsOf(packets).map((a) => a.alert.signature), []);
});

test('SYN-ACKs sent again with nothing else on their flows (two reflectors) raise 9100602 naming reflector and victim', () => {
  const packets: PcapPacket[] = [];
  // R2 answers first, so R1's 10th repeat is the 20th counted.
  for (let i = 0; i < 12; i++) {
    packets.push(pkt(t0 + i * 2 + 1, 0, R1, VICTIM, 21, 21, SYNACK));
    packets.push(pkt(t0 + i * 2, 0, R2, VICTIM, 80, 3333, SYNACK));
  }
  const alerts = alertsOf(packets).filter((a) => a.alert.signature_id === 9100602);
  assert.equal(alerts.length, 1);
  const a = alerts[0];
  assert.deepEqual([a.src_ip, a.src_port, a.dest_ip, a.dest_port, a.proto], ['10.77.1.1', 21, '10.77.0.5', 21, 'TCP']);
  // The first SYN-ACK of each flow is not counted.
  assert.deepEqual(a.netwatch.evidence, { unsolicited_synacks: 20, refused_by_victim: 0, distinct_reflectors: 2, victim: '10.77.0.5' });
  assert.match(a.community_id ?? '', /^1:/);
});

test('SYN-ACKs the victim refuses with a RST count once each, and the alert still names the reflector as source', () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 12; i++) {
    for (const [r, off] of [[R1, 0], [R2, 1]] as const) {
      const sec = t0 + i * 2 + off;
      packets.push(pkt(sec, 0, r, VICTIM, 80, 30000 + i, SYNACK));
      packets.push(pkt(sec, 100, VICTIM, r, 30000 + i, 80, RST));
    }
  }
  const alerts = alertsOf(packets).filter((a) => a.alert.signature_id === 9100602);
  assert.equal(alerts.length, 1);
  const a = alerts[0];
  assert.deepEqual([a.src_ip, a.src_port, a.dest_ip, a.dest_port], ['10.77.1.2', 80, '10.77.0.5', 30009]);
  assert.deepEqual(a.netwatch.evidence, { unsolicited_synacks: 20, refused_by_victim: 20, distinct_reflectors: 2, victim: '10.77.0.5' });
});

test('single SYN-ACKs that nothing confirms are not counted (the price of the rule: an inbound-only view of a victim that resets)', () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 40; i++) packets.push(pkt(t0 + i, 0, [R1, R2, R3][i % 3], VICTIM, 80, 30000 + i, SYNACK));
  assert.deepEqual(alertsOf(packets).map((a) => a.alert.signature), []);
});

test('a real client seen inbound only (pcapplusplus_example_web to 10.0.0.6, cut by tshark) raises nothing', () => {
  const cut = join(dir, 'inbound.pcap');
  const t = spawnSync('tshark', ['-r', `${CORPUS}/benign/pcapplusplus_example_web.pcap`, '-Y', 'ip.dst==10.0.0.6', '-F', 'pcap', '-w', cut], { encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  // The cut holds the SYN-ACKs of the client's connections and the resolver's answers, no SYN and no query.
  const synAcks = spawnSync('tshark', ['-r', cut, '-Y', 'tcp.flags.syn==1 && tcp.flags.ack==1'], { encoding: 'utf8' });
  assert.ok(synAcks.stdout.split('\n').filter(Boolean).length >= 60);
  const r = spawnSync(CLI, ['analyze', cut, '--alerts', '-', '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
});
