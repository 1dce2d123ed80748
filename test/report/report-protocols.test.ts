// The report's protocol pie gives ARP its own slice, as `netwatch analyze`'s protocol mix does, rather
// than folding it into "other": a capture's report, and a report and `netwatch stats` from the database.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTION_DEFAULTS } from '../../src/config/detection-defaults.js';
import { reportFromCapture } from '../../src/report/capture-report.js';
import { protocolChart } from '../../src/report/chart-options.js';
import { reportFromDatabase } from '../../src/report/report-data.js';
import { openDatabase } from '../../src/store/netwatch-db.js';
import { CLI, CORPUS } from '../support/corpus.js';

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

test('a database keeps ARP apart: netwatch stats has an arp column and a report from the database its slice', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'nw-proto-')), 'arp.db');
  const a = spawnSync(CLI, ['analyze', join(CORPUS, 'attack/arp-spoof/ppa_arppoison.pcapng'), '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  const st = spawnSync(CLI, ['stats', '--db', db, '--format', 'json'], { encoding: 'utf8' });
  assert.equal(st.status, 0, st.stderr);
  const rows = st.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { packets: number; tcp: number; udp: number; icmp: number; arp: number; other: number });
  const sum = (k: 'packets' | 'tcp' | 'udp' | 'icmp' | 'arp' | 'other') => rows.reduce((n, r) => n + r[k], 0);
  assert.deepEqual([sum('packets'), sum('tcp'), sum('udp'), sum('icmp'), sum('arp'), sum('other')], [165, 107, 54, 0, 4, 0]);
  const table = spawnSync(CLI, ['stats', '--db', db], { encoding: 'utf8' });
  assert.match(table.stdout.split('\n')[0], /\bicmp\s+arp\s+other\b/);
  const conn = openDatabase(db, true);
  try {
    assert.deepEqual(slices(reportFromDatabase(conn, { title: 'arp', weights: DETECTION_DEFAULTS.threatScore }).protocols), ['TCP=107', 'UDP=54', 'ARP=4']);
  } finally {
    conn.close();
  }
});
