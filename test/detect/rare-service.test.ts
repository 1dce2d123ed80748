// Rare protocol or service on generated captures: a server port answering for the first time after the
// learning period alerts; the learning period counts packet time observed, so a clock that jumps years
// ahead does not end it (pcapplusplus_example2 raised "IP protocol TCP seen 0 times before").

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';
import { ip, ipv4Tcp, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';
import { seenText } from '../../src/detect/rare-service.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-rare-'));
const A = ip('10.77.0.5');
const B = ip('10.77.0.80');
const SYN = 0x02;
const SYNACK = 0x12;

/** A handshake (SYN, SYN-ACK) from A to B:port at time sec. */
function handshake(sec: number, sport: number, port: number): PcapPacket[] {
  return [
    { sec, frac: 0, data: ipv4Tcp({ src: A, dst: B, sport, dport: port, flags: SYN }) },
    { sec, frac: 1000, data: ipv4Tcp({ src: B, dst: A, sport: port, dport: sport, flags: SYNACK }) },
  ];
}

function rareAlerts(packets: PcapPacket[], learnSec: number): { alert: { signature_id: number }; netwatch: { evidence: { service?: string } } }[] {
  const file = join(dir, `r${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, pcapFile(packets));
  const cfg = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(cfg, JSON.stringify({ detection: { rareService: { learnSec } } }));
  const r = spawnSync(CLI, ['analyze', file, '--config', cfg, '--alerts', '-', '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as never).filter((a: { netwatch: { detector: string } }) => a.netwatch.detector === 'rare_service');
}

const t0 = 1_700_000_000;

test('after 100 s of observed traffic to tcp/443, a first answer from tcp/6667 alerts, naming the service', () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 120; i++) packets.push(...handshake(t0 + i, 40000 + i, 443));
  packets.push(...handshake(t0 + 130, 41000, 6667));
  const alerts = rareAlerts(packets, 100);
  assert.deepEqual(alerts.map((a) => [a.alert.signature_id, a.netwatch.evidence.service]), [[9101202, 'tcp/6667']]);
});

test('a clock jump does not end the learning period: the same service after a ten-year jump is still learnt', () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 20; i++) packets.push(...handshake(t0 + i, 40000 + i, 443));
  // Ten years later (a wrong clock): 20 s observed plus one step counted as 60 s, under the 100 s asked.
  packets.push(...handshake(t0 + 10 * 365 * 86400, 41000, 6667));
  assert.deepEqual(rareAlerts(packets, 100), []);
});

test('pcapplusplus_example2 (26 packets in 2010, then 2015) raises no rare_service alert', () => {
  const r = spawnSync(CLI, ['analyze', `${CORPUS}/edge/pcapplusplus_example2.pcap`, '--alerts', '-', '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /rare_service/);
});

test('a protocol never seen in the learning period alerts with the Community ID of its first flow, as the flow log has it', () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 120; i++) packets.push(...handshake(t0 + i, 40000 + i, 443));
  packets.push({ sec: t0 + 130, frac: 0, data: ipv4Udp(A, B, 5000, 9999, Buffer.alloc(20)) });
  const file = join(dir, 'udp-first.pcap');
  writeFileSync(file, pcapFile(packets));
  const cfg = join(dir, 'learn100.json');
  writeFileSync(cfg, JSON.stringify({ detection: { rareService: { learnSec: 100 } } }));
  const flows = join(dir, 'udp-first-flows.json');
  const r = spawnSync(CLI, ['analyze', file, '--config', cfg, '--alerts', '-', '--flows', flows, '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const a = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { alert: { signature_id: number; signature: string }; community_id?: string })
    .find((x) => x.alert.signature_id === 9101201);
  assert.ok(a, r.stdout);
  assert.match(a.alert.signature, /IP protocol UDP \(17\) never seen before, from 10\./);
  const f = readFileSync(flows, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { community_id: string; proto: string; dest_port: number })
    .filter((x) => x.community_id === a.community_id);
  assert.deepEqual(f.map((x) => [x.proto, x.dest_port]), [['UDP', 9999]]);
});

test('how often it was seen before reads as words an operator says', () => {
  assert.deepEqual([0, 1, 2].map(seenText), ['never seen before', 'seen once before', 'seen 2 times before']);
});
