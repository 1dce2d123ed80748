// Per-minute statistics: every packet counted once, and a minute ends when the clock's minute ends, not
// whenever one packet's time falls in another minute.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { PacketRecord } from '../../src/decode/packet-record.js';
import { MinuteStats, type MinuteRow } from '../../src/track/minute-stats.js';
import { ip, ipv4Udp } from '../support/frame-builder.js';

function run(times: number[]): MinuteRow[] {
  const ms = new MinuteStats();
  const rows: MinuteRow[] = [];
  ms.onMinute = (r) => rows.push(r);
  const frame = new RawFrame();
  const rec = new PacketRecord();
  const dec = new PacketDecoder();
  const data = ipv4Udp(ip('10.77.0.1'), ip('10.77.0.2'), 40000, 9999, new Uint8Array(20));
  for (const t of times) {
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
