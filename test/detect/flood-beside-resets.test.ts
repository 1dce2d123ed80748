// A flood beside ordinary traffic that closes connections: closing a flow counts it as failed or completed
// in its hosts' windows, looked up at the flow's last packet. That lookup, at a past time, restarted the
// host's windows as a clock step would, so a victim whose web clients' connections were reset every half
// second never reached the ICMP flood threshold (an operator review).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/corpus.js';
import { ip, ipv4Icmp, ipv4Tcp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const SYN = 0x02;
const RST_ACK = 0x14;

function alertsOf(packets: PcapPacket[]): { detector: string; dest_ip: string }[] {
  const dir = mkdtempSync(join(tmpdir(), 'nw-resets-'));
  try {
    packets.sort((x, y) => x.sec - y.sec || x.frac - y.frac);
    const file = join(dir, 'flood.pcap');
    writeFileSync(file, pcapFile(packets));
    const r = spawnSync(CLI, ['analyze', file, '--no-store', '-q', '--summary', 'none', '--alerts', '-'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { netwatch: { detector: string }; dest_ip: string })
      .map((a) => ({ detector: a.netwatch.detector, dest_ip: a.dest_ip }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an ICMP flood is raised while the victim\'s web connections are reset around it', () => {
  const t0 = 1_700_000_000;
  const victim = ip('10.77.0.80');
  const at = (packets: PcapPacket[], t: number, data: Buffer) => packets.push({ sec: Math.floor(t), frac: Math.round((t % 1) * 1e6), data });
  const flood: PcapPacket[] = [];
  // 720 echo requests over 8 s (90 a second): over the 500 in 10 s threshold from the 6th second.
  for (let i = 0; i < 720; i++) at(flood, t0 + i / 90, ipv4Icmp(ip('10.77.9.9'), victim, 8, 0));
  const floodOnly = alertsOf([...flood]);
  assert.deepEqual(floodOnly.filter((a) => a.detector === 'icmp_flood').map((a) => a.dest_ip), ['10.77.0.80']);
  // The same flood, and every half second a web client's connection to the victim refused with a RST: each
  // closes 2 s later, while the flood goes on.
  const withResets = [...flood];
  for (let j = 0; j < 20; j++) {
    const t = t0 - 2 + j * 0.5;
    const client = ip(`10.77.1.${j + 1}`);
    at(withResets, t, ipv4Tcp({ src: client, dst: victim, sport: 50000 + j, dport: 80, flags: SYN }));
    at(withResets, t + 0.001, ipv4Tcp({ src: victim, dst: client, sport: 80, dport: 50000 + j, flags: RST_ACK }));
  }
  assert.deepEqual(alertsOf(withResets).filter((a) => a.detector === 'icmp_flood').map((a) => a.dest_ip), ['10.77.0.80']);
});
