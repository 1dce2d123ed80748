// The report's protocol pie gives ARP its own slice, as `netwatch analyze`'s protocol mix does, rather
// than folding it into "other".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { reportFromCapture } from '../../src/report/capture-report.js';
import { protocolChart } from '../../src/report/chart-options.js';
import { CORPUS } from '../support/corpus.js';

/** The pie's slices as name=value. */
function slices(p: Parameters<typeof protocolChart>[0]): string[] {
  const series = protocolChart(p).series as { data: { name: string; value: number }[] }[];
  return series[0].data.map((d) => `${d.name}=${d.value}`);
}

test('an ARP-only capture is all ARP in the protocol pie, not "other 100%"', { timeout: 60_000 }, async () => {
  // CATALOG.md: 12 ARP frames over Linux SLL (analyze: ARP 12 pkts 100.0%).
  const r = await reportFromCapture([join(CORPUS, 'edge/zeek_linuxsll-arp.pcap')]);
  assert.deepEqual(slices(r.data.protocols), ['ARP=12']);
});

test('ARP among IP traffic has its slice beside TCP and UDP, and the slices add up to the packets', { timeout: 60_000 }, async () => {
  // analyze's protocol mix of this capture: TCP 107, UDP 54, ARP 4.
  const r = await reportFromCapture([join(CORPUS, 'attack/arp-spoof/ppa_arppoison.pcapng')]);
  assert.deepEqual(slices(r.data.protocols), ['TCP=107', 'UDP=54', 'ARP=4']);
  const p = r.data.protocols;
  assert.equal(p.tcp + p.udp + p.icmp + p.arp + p.other, r.data.summary.packets);
});
