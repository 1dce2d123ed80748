// A host window's features on a generated capture: ICMP destination unreachable received (what a UDP
// scan of closed ports gets back) counts for the host it is sent to, other ICMP does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from '../../eval/model-eval.js';
import { FEATURE_INDEX as F } from '../../src/detect/feature-set.js';
import { ip, ipv4Icmp, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-hostfeat-'));
const A = ip('10.77.0.5');
const B = ip('10.77.0.22');
const t0 = 1_700_000_010; // a multiple of 30: a window starts here

test('unreach_in counts the ICMP port unreachables a UDP prober gets back, not echo replies', async () => {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < 40; i++) {
    packets.push({ sec: t0 + Math.floor(i / 4), frac: (i % 4) * 100_000, data: ipv4Udp(A, B, 50000, 1000 + i, Buffer.alloc(0)) });
    // B answers 30 of the probes with port unreachable (type 3, code 3).
    if (i < 30) packets.push({ sec: t0 + Math.floor(i / 4), frac: (i % 4) * 100_000 + 500, data: ipv4Icmp(B, A, 3, 3) });
  }
  // Echo requests and replies the other way: ICMP, but not unreachables.
  for (let i = 0; i < 5; i++) {
    packets.push({ sec: t0 + 20 + i, frac: 0, data: ipv4Icmp(A, B, 8, 0) });
    packets.push({ sec: t0 + 20 + i, frac: 1000, data: ipv4Icmp(B, A, 0, 0) });
  }
  const file = join(dir, 'udp-probe.pcap');
  writeFileSync(file, pcapFile(packets));
  const e = await extract(file, { windowSec: 30, minPackets: 5 });
  const row = (host: string) => e.rows[e.hosts.findIndex((h, i) => h === host && e.starts[i] === t0)];
  assert.equal(row('10.77.0.5')[F.unreach_in], 30);
  assert.equal(row('10.77.0.22')[F.unreach_in], 0);
  // Distinct ports are a linear-counting estimate.
  assert.ok(Math.abs(row('10.77.0.5')[F.unique_dst_ports] - 40) <= 2);
});
