// Per-minute statistics: every packet counted once, and a minute ends when the clock's minute ends, not
// whenever one packet's time falls in another minute.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { PacketRecord } from '../../src/decode/packet-record.js';
import { MinuteStats, type MinuteRow } from '../../src/track/minute-stats.js';
import { ip, ipv4Udp } from '../support/frame-builder.js';

/** Packets at the given times; `files` lists the indices where another file begins. */
function run(times: number[], files: number[] = []): MinuteRow[] {
  const ms = new MinuteStats();
  const rows: MinuteRow[] = [];
  ms.onMinute = (r) => rows.push(r);
  const frame = new RawFrame();
  const rec = new PacketRecord();
  const dec = new PacketDecoder();
  const data = ipv4Udp(ip('10.77.0.1'), ip('10.77.0.2'), 40000, 9999, new Uint8Array(20));
  for (const [i, t] of times.entries()) {
    if (files.includes(i)) ms.newSource();
    frame.data = data; frame.offset = 0; frame.capLen = data.length; frame.wireLen = data.length;
    frame.tsSec = t; frame.tsNsec = 0; frame.linkType = 1;
    dec.decode(frame, rec);
    ms.add(rec, false);
  }
  ms.finish();
  return rows;
}

test('monotonic time: one row per minute with every packet', () => {
  const rows = run(Array.from({ length: 300 }, (_, i) => 6000 + i));
  assert.deepEqual(rows.map((r) => [r.minuteEpoch, r.packets]), [[6000, 60], [6060, 60], [6120, 60], [6180, 60], [6240, 60]]);
});

test('time alternating an hour apart on every packet does not write a row per packet, and loses none', () => {
  const n = 20_000;
  const rows = run(Array.from({ length: n }, (_, i) => 7200 + Math.floor(i / 2) / 10 + (i % 2 === 1 ? 3600 : 0)));
  // Before, each packet ended the other one's minute: 20,000 rows.
  assert.ok(rows.length < 100, `${rows.length} rows`);
  assert.equal(rows.reduce((s, r) => s + r.packets, 0), n);
});

test('a packet a second out of order at a minute edge counts in the minute it came in, not a row of its own', () => {
  const rows = run([6058, 6059, 6060, 6059, 6061]);
  assert.deepEqual(rows.map((r) => [r.minuteEpoch, r.packets]), [[6000, 2], [6060, 3]]);
});

test('a later file older than the one before counts in its own minutes from its first packet', () => {
  // Three files, as `netwatch analyze a.pcap b.pcap c.pcap` reads them: 2014, then 2010-07-16, then a
  // short one from 2010-07-04 (7 packets, fewer than a repeated step back waits for).
  const a = Array.from({ length: 500 }, (_, i) => 1389721000 + i * 0.1);
  const b = Array.from({ length: 300 }, (_, i) => 1279251540 + i * 0.1);
  const c = Array.from({ length: 7 }, (_, i) => 1278275000 + i);
  const rows = run([...a, ...b, ...c], [0, a.length, a.length + b.length]);
  const byMinute = new Map<number, number>();
  for (const r of rows) byMinute.set(r.minuteEpoch, (byMinute.get(r.minuteEpoch) ?? 0) + r.packets);
  const expected = new Map<number, number>();
  for (const t of [...a, ...b, ...c]) expected.set(Math.floor(t / 60) * 60, (expected.get(Math.floor(t / 60) * 60) ?? 0) + 1);
  assert.deepEqual([...byMinute].sort((x, y) => x[0] - y[0]), [...expected].sort((x, y) => x[0] - y[0]));
});
