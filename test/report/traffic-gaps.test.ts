// Traffic charts over a range with long stretches of no traffic show zeros there: the statistics keep rows
// only for minutes with traffic, and a database report over captures from 2010 and 2014 drew steady traffic
// across the four years between them. The report's timeline and the dashboard's overview and host charts
// hold every bucket from the first to the last, and no more buckets than the bucket width allows.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/corpus.js';
import { startServe, stopServe, type Serve } from '../support/dashboard.js';
import { ip, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';
import { DETECTION_DEFAULTS } from '../../src/config/detection-defaults.js';
import { openDatabase } from '../../src/store/netwatch-db.js';
import { reportFromDatabase } from '../../src/report/report-data.js';
import { niceBucket } from '../../src/report/dashboard-charts.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-gaps-'));
const db = join(dir, 'gaps.db');
const Y2010 = Date.UTC(2010, 6, 4, 20, 0) / 1000;
const Y2014 = Date.UTC(2014, 6, 4, 20, 0) / 1000;
const HOST = '10.77.0.5';
let s: Serve | undefined;

/** Ten DNS-sized UDP packets a second for two minutes from HOST, starting at `start`. */
function capture(name: string, start: number): string {
  const packets: PcapPacket[] = Array.from({ length: 1200 }, (_, i) => ({
    sec: start + Math.floor(i / 10), frac: (i % 10) * 100_000,
    data: ipv4Udp(ip(HOST), ip('10.77.0.53'), 40000 + (i % 100), 53, new Uint8Array(40)),
  }));
  const path = join(dir, name);
  writeFileSync(path, pcapFile(packets));
  return path;
}

before(async () => {
  for (const f of [capture('a.pcap', Y2010), capture('b.pcap', Y2014)]) {
    const r = spawnSync(process.execPath, [CLI, 'analyze', f, '--db', db, '-q', '--summary', 'none'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
  }
  s = await startServe(['--db', db, '--listen', '127.0.0.1:0']);
});

after(async () => {
  await stopServe(s);
  rmSync(dir, { recursive: true, force: true });
});

/** Asserts the points are one bucket apart from the first to the last. */
function contiguous(xs: number[], bucketSec: number, what: string): void {
  for (let i = 1; i < xs.length; i++) assert.equal(xs[i] - xs[i - 1], bucketSec, `${what}: a gap between ${xs[i - 1]} and ${xs[i]}`);
}

test('a database report over captures four years apart has zero-traffic buckets between them', () => {
  const handle = openDatabase(db, true);
  try {
    const d = reportFromDatabase(handle, { title: 't', weights: DETECTION_DEFAULTS.threatScore });
    const t = d.timeline;
    contiguous(t.map((p) => p.t), d.bucketSec, 'report timeline');
    assert.ok(t[0].t <= Y2010 && t[t.length - 1].t >= Y2014 - d.bucketSec, JSON.stringify([t[0].t, t[t.length - 1].t]));
    assert.ok(t.length <= 720, `${t.length} buckets`);
    const busy = t.filter((p) => p.packets > 0);
    assert.ok(busy.length >= 2 && busy.length <= 4, `${busy.length} buckets with traffic`);
    assert.ok(t.length - busy.length > 600, `${t.length - busy.length} empty buckets`);
    assert.equal(t.reduce((a, p) => a + p.packets, 0), 2400);
    for (const p of t) if (p.packets === 0) assert.equal(p.bytes, 0);
  } finally {
    handle.close();
  }
});

test('the dashboard overview and host charts show zeros between the captures, one point per bucket', { timeout: 60_000 }, async () => {
  type Chart = { series: { data: [number, number][] }[] };
  const url = (s as Serve).url;
  const ov = (await (await fetch(`${url}api/overview?range=all`)).json()) as { charts: { traffic: Chart } };
  const host = (await (await fetch(`${url}api/host?ip=${HOST}&range=all`)).json()) as { charts: { traffic: Chart } };
  for (const [what, chart] of [['overview', ov.charts.traffic], ['host', host.charts.traffic]] as const) {
    const data = chart.series[0].data;
    const xs = data.map((p) => p[0] / 1000);
    const bucket = xs[1] - xs[0];
    assert.ok(bucket >= 86400, `${what}: bucket ${bucket} s over four years`);
    contiguous(xs, bucket, what);
    assert.ok(data.length <= 400, `${what}: ${data.length} points`);
    const zeros = data.filter((p) => p[1] === 0).length;
    assert.ok(zeros >= data.length - 6 && zeros > 100, `${what}: ${zeros} zero points of ${data.length}`);
  }
});

test('a bucket width is never so narrow that a span holds more buckets than asked for', () => {
  for (const span of [60, 3600, 86400 * 400, 365 * 86400 * 100, 365 * 86400 * 361, 1e12]) {
    for (const target of [120, 240, 360]) {
      const b = niceBucket(span, target);
      assert.ok(span / b <= target, `${span} s in buckets of ${b} s: ${span / b} > ${target}`);
    }
  }
});
