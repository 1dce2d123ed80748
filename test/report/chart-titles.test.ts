// Chart titles name the bucket the chart is drawn in, in words: the report once titled a capture's
// doubled buckets "Traffic per 262144 s", and the dashboard's host page over a range of years said "Bytes
// per 30 days" above one point on an axis ECharts spread over two days.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';
import { per } from '../../src/report/bucket-text.js';
import { volumeChart } from '../../src/report/chart-options.js';
import { alertCountsChart, hostTrafficChart } from '../../src/report/dashboard-charts.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-titles-'));
const db = join(dir, 'years.db');
let s: Serve | undefined;

before(async () => {
  // A SYN scan of 2010 and SSH password guessing of 2015 (CATALOG.md): each attacker is seen in its own capture only.
  for (const f of ['attack/scan/ppa_synscan.pcapng', 'attack/bruteforce/zeek_ssh_sshguess.pcap']) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', join(CORPUS, f), '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  }
  s = await startServe(['--db', db, '--listen', '127.0.0.1:0']);
});

after(async () => {
  await stopServe(s);
  rmSync(dir, { recursive: true, force: true });
});

const title = (o: Record<string, unknown>): string => (o.title as { text: string }).text;

test('bucket widths in words: units that divide them, and the size in hours or days of odd wide ones', () => {
  assert.equal(per(1), 'second');
  assert.equal(per(30), '30 s');
  assert.equal(per(60), 'minute');
  assert.equal(per(300), '5 min');
  assert.equal(per(3600), 'hour');
  assert.equal(per(21600), '6 h');
  assert.equal(per(86400), 'day');
  assert.equal(per(7 * 86400), '7 days');
  assert.equal(per(4 * 60 * 60 + 120), '242 min (4.0 h)');
  // A capture's buckets double from 1 s; a database report folds minutes to fit 720 points.
  assert.equal(per(262144), '262,144 s (3.0 days)');
  assert.equal(per(207600), '3,460 min (2.4 days)');
});

test('the report, overview and host charts title their bucket with the same words', () => {
  const empty = { tcp: 0, udp: 0, icmp: 0, arp: 0, other: 0 };
  for (const b of [1, 60, 262144, 207600, 7 * 86400]) {
    assert.equal(title(volumeChart([{ t: 1_700_000_000, packets: 1, bytes: 60, ...empty }], b)), `Traffic per ${per(b)}`);
    assert.equal(title(alertCountsChart([], b)), `Alerts per ${per(b)}`);
    assert.equal(title(hostTrafficChart([], b)), `Bytes per ${per(b)} (when among the top talkers)`);
  }
});

test('host page over everything: the bucket is sized to the host\'s own traffic, and the title names it', { timeout: 60_000 }, async () => {
  type Chart = { title: { text: string }; series: { data: [number, number][] }[] };
  const url = (s as Serve).url;
  const ov = (await (await fetch(`${url}api/overview?range=all`)).json()) as { charts: { traffic: Chart } };
  // The database spans five years: its overview's buckets are days wide, and titled as drawn.
  const ovx = ov.charts.traffic.series[0].data.map((p) => p[0] / 1000);
  assert.ok(ovx[1] - ovx[0] >= 86400, JSON.stringify(ovx.slice(0, 2)));
  assert.equal(ov.charts.traffic.title.text, `Traffic per ${per(ovx[1] - ovx[0])}`);
  // The SSH guesser is seen for two minutes of 2015.
  const r = (await (await fetch(`${url}api/host?ip=192.168.56.1&range=all`)).json()) as { traffic: { minutes: number }; charts: { traffic: Chart } };
  const chart = r.charts.traffic;
  assert.equal(r.traffic.minutes, 2);
  assert.equal(chart.title.text, 'Bytes per minute (when among the top talkers)');
  const xs = chart.series[0].data.map((p) => p[0] / 1000);
  // Two minutes and the end of the second: what the axis spans is what the title says.
  assert.deepEqual(xs.map((x) => x - xs[0]), [0, 60, 120]);
});
