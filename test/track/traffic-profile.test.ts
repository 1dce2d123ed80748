// The report's traffic profile: buckets that double in width keep every packet and byte and stay within
// their bound; service counts take the first packet of flows only.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { PacketRecord } from '../../src/decode/packet-record.js';
import { TrafficProfile } from '../../src/track/traffic-profile.js';
import { PortCounts } from '../../src/track/port-counts.js';
import { MinuteStats, type MinuteRow } from '../../src/track/minute-stats.js';
import { dnsQuery, ip, ipv4Icmp, ipv4Tcp, ipv4Udp } from '../support/frame-builder.js';

const frame = new RawFrame();
const rec = new PacketRecord();
const dec = new PacketDecoder();
function decode(data: Buffer, t: number): PacketRecord {
  frame.data = data; frame.offset = 0; frame.capLen = data.length; frame.wireLen = data.length;
  frame.tsSec = Math.floor(t); frame.tsNsec = 0; frame.linkType = 1;
  dec.decode(frame, rec);
  return rec;
}

const A = ip('10.77.0.1');
const B = ip('10.77.0.2');

test('a long capture widens the buckets, keeps every packet and byte, and never passes 720 buckets', () => {
  const p = new TrafficProfile();
  let packets = 0;
  let bytes = 0;
  const counts = { tcp: 0, udp: 0, icmp: 0 };
  // Ten hours, one packet every 7 s, alternating protocols.
  for (let t = 1_000_000; t < 1_000_000 + 36_000; t += 7) {
    const k = (t / 7) % 3 | 0;
    const data = k === 0 ? ipv4Tcp({ src: A, dst: B, sport: 40000, dport: 443, flags: 0x10, payload: 100 })
      : k === 1 ? ipv4Udp(A, B, 5353, 53, dnsQuery('www.example.com', 1)) : ipv4Icmp(A, B, 8, 0);
    const r = decode(data, t);
    p.add(r, false);
    packets++;
    bytes += r.wireLen;
    if (k === 0) counts.tcp++; else if (k === 1) counts.udp++; else counts.icmp++;
  }
  const tl = p.timeline();
  assert.ok(tl.length <= 720, `${tl.length} buckets`);
  // 36,000 s in at most 720 buckets: 1 s doubled six times is 64 s (50 s would not be a power of two).
  assert.equal(p.bucketSec, 64);
  assert.equal(tl.reduce((n, b) => n + b.packets, 0), packets);
  assert.equal(tl.reduce((n, b) => n + b.bytes, 0), bytes);
  assert.deepEqual({ tcp: tl.reduce((n, b) => n + b.tcp, 0), udp: tl.reduce((n, b) => n + b.udp, 0), icmp: tl.reduce((n, b) => n + b.icmp, 0) }, counts);
  assert.equal(tl[0].t, 1_000_000);
  for (let i = 1; i < tl.length; i++) assert.equal(tl[i].t - tl[i - 1].t, 64);
  // Each 64 s bucket holds 9 or 10 packets at one per 7 s.
  assert.ok(tl.slice(0, -1).every((b) => b.packets === 9 || b.packets === 10));
  assert.deepEqual(p.tops.senders.top(1).map((x) => [x.address, x.packets]), [['10.77.0.1', packets]]);
});

test('services count the first packet of flows, source ports every packet; both rank by count', () => {
  const p = new TrafficProfile();
  // Five SSH logins, three DNS queries, one HTTPS connection (first packets, new flows)...
  for (let i = 0; i < 5; i++) p.add(decode(ipv4Tcp({ src: A, dst: B, sport: 40000 + i, dport: 22, flags: 0x02 }), 1), true);
  for (let i = 0; i < 3; i++) p.add(decode(ipv4Udp(A, B, 50000 + i, 53, dnsQuery('a.example', 1)), 1), true);
  p.add(decode(ipv4Tcp({ src: A, dst: B, sport: 41000, dport: 443, flags: 0x02 }), 1), true);
  p.add(decode(ipv4Icmp(A, B, 8, 0), 1), true);
  // ...and twenty answers from port 53 of many reflectors to one port of a victim: each opens a flow (to
  // the victim's port, which becomes the top "service"), and port 53 leads the source ports.
  for (let i = 0; i < 20; i++) p.add(decode(ipv4Udp(ip(`10.78.0.${i + 1}`), A, 53, 4444, dnsQuery('b.example', 1)), 1), true);
  assert.deepEqual(p.tops.services.top(3), [{ proto: 'udp', port: 4444, count: 20 }, { proto: 'tcp', port: 22, count: 5 }, { proto: 'udp', port: 53, count: 3 }]);
  assert.deepEqual(p.tops.services.top(10).map((x) => `${x.proto}/${x.port}`), ['udp/4444', 'tcp/22', 'udp/53', 'tcp/443']);
  assert.deepEqual(p.tops.sourcePorts.top(1), [{ proto: 'udp', port: 53, count: 20 }]);
  const s = new PortCounts();
  s.countDst(decode(ipv4Icmp(A, B, 8, 0), 1));
  assert.deepEqual(s.top(10), []);
  s.countSrc(decode(ipv4Tcp({ src: A, dst: B, sport: 80, dport: 5000, flags: 0x12 }), 1));
  assert.deepEqual(s.top(10), [{ proto: 'tcp', port: 80, count: 1 }]);
  s.reset();
  assert.deepEqual(s.top(10), []);
});

test('each minute of statistics ranks only its own senders, receivers and ports (the tables are cleared, not carried over)', () => {
  const m = new MinuteStats();
  const rows: MinuteRow[] = [];
  m.onMinute = (r) => rows.push(r);
  for (let i = 0; i < 4; i++) m.add(decode(ipv4Tcp({ src: A, dst: B, sport: 40000, dport: 22, flags: 0x18, payload: 100 }), 60 + i), i === 0);
  for (let i = 0; i < 3; i++) m.add(decode(ipv4Udp(B, A, 53, 50000, dnsQuery('a.example', 1)), 120 + i), i === 0);
  m.finish();
  assert.deepEqual(rows.map((r) => [r.minuteEpoch, r.packets]), [[60, 4], [120, 3]]);
  assert.deepEqual(rows.map((r) => r.topTalkers.map((t) => [t.address, t.packets])), [[['10.77.0.1', 4]], [['10.77.0.2', 3]]]);
  assert.deepEqual(rows.map((r) => r.topDestinations.map((t) => t.address)), [['10.77.0.2'], ['10.77.0.1']]);
  assert.deepEqual(rows.map((r) => r.topServices), [[{ proto: 'tcp', port: 22, count: 1 }], [{ proto: 'udp', port: 50000, count: 1 }]]);
  assert.deepEqual(rows.map((r) => r.topSourcePorts), [[{ proto: 'tcp', port: 40000, count: 4 }], [{ proto: 'udp', port: 53, count: 3 }]]);
});

test('live on a quiet link: a minute that has ended is written when packet time moves on without a packet, once', () => {
  const m = new MinuteStats();
  const rows: MinuteRow[] = [];
  m.onMinute = (r) => rows.push(r);
  m.add(decode(ipv4Icmp(A, B, 8, 0), 100), false);
  m.advance(119.5);
  assert.equal(rows.length, 0, 'the minute is still open');
  m.advance(121);
  assert.deepEqual(rows.map((r) => [r.minuteEpoch, r.packets]), [[60, 1]]);
  m.advance(200);
  // The next packet starts its own minute; no empty rows for the quiet minutes between.
  m.add(decode(ipv4Icmp(A, B, 8, 0), 250), false);
  m.finish();
  assert.deepEqual(rows.map((r) => [r.minuteEpoch, r.packets]), [[60, 1], [240, 1]]);
});

test('files out of time order: a packet from before the first one moves the origin back, each packet in its own time', () => {
  const p = new TrafficProfile();
  const t0 = 1_000_000_000;
  const data = ipv4Icmp(A, B, 8, 0);
  // An hour of packets, then one twelve days earlier (the second file), then one in between.
  for (let t = t0; t < t0 + 3600; t += 10) p.add(decode(data, t), false);
  p.add(decode(data, t0 - 12 * 86400), false);
  p.add(decode(data, t0 - 6 * 86400), false);
  const tl = p.timeline();
  assert.ok(tl.length <= 720);
  assert.equal(tl.reduce((n, b) => n + b.packets, 0), 362);
  const at = (t: number) => tl.find((b) => b.t <= t && t < b.t + p.bucketSec);
  assert.equal(at(t0 - 12 * 86400)?.packets, 1);
  assert.equal(at(t0 - 6 * 86400)?.packets, 1);
  // The hour's 360 packets are in the buckets from t0 on, not folded into the first bucket.
  assert.equal(tl.filter((b) => b.t + p.bucketSec > t0).reduce((n, b) => n + b.packets, 0), 360);
  assert.equal(tl[0].t <= t0 - 12 * 86400, true);
});

test('a zeroed timestamp (1970) among ordinary ones: every packet stays in the timeline, none resets it', () => {
  const p = new TrafficProfile();
  const t0 = 1_700_000_001;
  const data = ipv4Icmp(A, B, 8, 0);
  for (let i = 0; i < 100; i++) p.add(decode(data, t0 + i), false);
  p.add(decode(data, 5), false);
  for (let i = 100; i < 200; i++) p.add(decode(data, t0 + i), false);
  const tl = p.timeline();
  assert.equal(tl.reduce((n, b) => n + b.packets, 0), 201);
  // The 200 ordinary packets share the bucket(s) around t0, not one before and one decades after.
  assert.ok(tl.every((b) => b.t <= t0 + 200));
  assert.equal(tl.filter((b) => b.t + p.bucketSec > t0).reduce((n, b) => n + b.packets, 0), 200);
});
