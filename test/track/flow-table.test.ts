// Flow table: both directions in one flow, Zeek conn_state, close reasons by packet time, bounded size.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawFrame } from '../../src/capture/raw-frame.js';
import { PacketDecoder } from '../../src/decode/packet-decoder.js';
import { PacketRecord } from '../../src/decode/packet-record.js';
import { CLOSE_REASON_NAMES, FlowTable, type CloseReason } from '../../src/track/flow-table.js';
import { DETECTION_DEFAULTS } from '../../src/config/detection-defaults.js';
import { ip, ipv4Icmp, ipv4Tcp, ipv4Udp } from '../support/frame-builder.js';

const A = ip('10.77.0.1');
const B = ip('10.77.0.2');

class Harness {
  readonly flows: FlowTable;
  readonly closed: { state: string; reason: string; origPkts: number; respPkts: number; cid: string }[] = [];
  private readonly frame = new RawFrame();
  private readonly rec = new PacketRecord();
  private readonly dec = new PacketDecoder();
  constructor(capacity = 1024) {
    this.flows = new FlowTable(capacity, DETECTION_DEFAULTS.flows.timeouts);
    this.flows.listener = {
      flowClosed: (f: FlowTable, s: number, reason: CloseReason) => {
        this.closed.push({ state: f.connState(s), reason: CLOSE_REASON_NAMES[reason], origPkts: f.packets(s, 0), respPkts: f.packets(s, 1), cid: f.communityId(s) });
      },
    };
  }
  send(data: Buffer, t: number): number {
    const f = this.frame;
    f.data = data; f.offset = 0; f.capLen = data.length; f.wireLen = data.length;
    f.tsSec = Math.floor(t); f.tsNsec = Math.round((t - Math.floor(t)) * 1e9); f.linkType = 1;
    this.dec.decode(f, this.rec);
    return this.flows.update(this.rec, t);
  }
}

const tcp = (src: number, dst: number, sport: number, dport: number, flags: number, payload = 0) =>
  ipv4Tcp({ src, dst, sport, dport, flags, payload });

test('a full TCP conversation is one flow, SF, closed by FIN after the linger time', () => {
  const h = new Harness();
  const s1 = h.send(tcp(A, B, 40000, 80, 0x02), 100);
  assert.equal(h.flows.lastIsNew, true);
  const s2 = h.send(tcp(B, A, 80, 40000, 0x12), 100.001);
  assert.equal(s1, s2);
  assert.equal(h.flows.lastFromOrig, false);
  h.send(tcp(A, B, 40000, 80, 0x10), 100.002);
  assert.equal(h.flows.lastEstablished, true);
  h.send(tcp(A, B, 40000, 80, 0x18, 100), 100.003);
  h.send(tcp(B, A, 80, 40000, 0x18, 1000), 100.004);
  h.send(tcp(A, B, 40000, 80, 0x11), 100.005);
  h.send(tcp(B, A, 80, 40000, 0x11), 100.006);
  assert.equal(h.closed.length, 0);
  h.send(tcp(A, B, 40001, 81, 0x02), 103);
  assert.deepEqual(h.closed.map((c) => [c.state, c.reason, c.origPkts, c.respPkts]), [['SF', 'fin', 4, 3]]);
  assert.match(h.closed[0].cid, /^1:[A-Za-z0-9+/]{27}=$/);
});

test('conn_state for refused, unanswered and reset connections; idle timeouts in packet time', () => {
  const h = new Harness();
  h.send(tcp(A, B, 40000, 22, 0x02), 10);
  h.send(tcp(B, A, 22, 40000, 0x14), 10.001);
  h.send(tcp(A, B, 40001, 23, 0x02), 10);
  h.send(ipv4Udp(A, B, 5000, 53, Buffer.alloc(20)), 10);
  h.send(tcp(A, B, 40002, 443, 0x02), 10);
  h.send(tcp(B, A, 443, 40002, 0x12), 10.01);
  h.send(tcp(A, B, 40002, 443, 0x10), 10.02);
  h.send(tcp(A, B, 40002, 443, 0x04), 10.03);
  h.send(tcp(A, B, 50000, 9, 0x02), 200);
  const byState = Object.fromEntries(h.closed.map((c) => [c.state, c.reason]));
  assert.deepEqual(byState, { REJ: 'rst', S0: 'idle-timeout', RSTO: 'rst' }, JSON.stringify(h.closed));
  assert.equal(h.closed.filter((c) => c.state === 'S0').length, 2, 'the unanswered SYN and the one-way UDP flow');
});

test('a flow quiet past its idle timeout closes as idle even when the next packet comes after the active timeout', () => {
  const h = new Harness();
  const { active, icmp } = DETECTION_DEFAULTS.flows.timeouts;
  // A ping of 7 ms, then nothing until a packet an hour later: the ping ended by going quiet.
  h.send(ipv4Icmp(A, B, 8, 1, 1), 10);
  h.send(ipv4Icmp(B, A, 0, 1, 1), 10.007);
  h.send(ipv4Udp(A, B, 5000, 53, Buffer.alloc(20)), 10 + active + 3600);
  assert.deepEqual(h.closed.map((c) => c.reason), ['idle-timeout']);
  // A flow still busy when its active timeout comes closes as active.
  const busy = new Harness();
  for (let t = 0; t <= active + 2; t += icmp / 2) busy.send(ipv4Udp(A, B, 6000, 514, Buffer.alloc(20)), t);
  assert.deepEqual(busy.closed.map((c) => c.reason), ['active-timeout']);
});

test('conn_state as Zeek gives it for UDP, ICMP and a reset after the originator acknowledged', () => {
  const h = new Harness();
  h.send(ipv4Udp(A, B, 5000, 53, Buffer.alloc(20)), 10);
  h.send(ipv4Udp(B, A, 53, 5000, Buffer.alloc(40)), 10.001);
  h.send(ipv4Udp(B, A, 123, 6000, Buffer.alloc(40)), 10);
  h.send(ipv4Icmp(A, B, 8, 0), 10);
  h.send(ipv4Icmp(B, A, 0, 0), 10.001);
  h.send(ipv4Icmp(A, B, 8, 0, 100), 10.5);
  // SYN, ACK, FIN, RST from the originator and nothing from the responder: Zeek's history SAFR is OTH, not RSTOS0.
  h.send(tcp(A, B, 40003, 80, 0x02), 10);
  h.send(tcp(A, B, 40003, 80, 0x10), 10.1);
  h.send(tcp(A, B, 40003, 80, 0x11), 10.2);
  h.send(tcp(A, B, 40003, 80, 0x04), 10.3);
  h.send(tcp(A, B, 40004, 80, 0x02), 10);
  h.send(tcp(A, B, 40004, 80, 0x04), 10.1);
  // RST before the SYN: history RS, which does not begin with the SYN, so OTH (Zeek's ^S[^HAFGIQ]*R; the order matters).
  h.send(tcp(A, B, 40005, 80, 0x04), 10);
  h.send(tcp(A, B, 40005, 80, 0x02), 10.1);
  h.flows.closeAll();
  const states = h.closed.map((c) => `${c.state}/${c.origPkts}/${c.respPkts}`).sort();
  // UDP answered SF and one-way S0; ICMP echo and reply OTH; SAFR OTH; SYN then RST RSTOS0; RST then SYN OTH.
  assert.deepEqual(states, ['OTH/2/1', 'OTH/4/0', 'RSTOS0/2/0', 'OTH/2/0', 'S0/1/0', 'SF/1/1'].sort(), JSON.stringify(h.closed));
});

test('a full table evicts the least recently seen flow and stays at its capacity', () => {
  const h = new Harness(1024);
  for (let i = 0; i < 5000; i++) h.send(tcp((ip('10.77.1.0') + i) >>> 0, B, 1000 + (i % 50000), 80, 0x02), 1 + i / 1e6);
  assert.equal(h.flows.count, h.flows.maxFlows);
  assert.equal(h.flows.created, 5000);
  assert.equal(h.flows.evictions, 5000 - h.flows.maxFlows);
  assert.equal(h.closed.filter((c) => c.reason === 'eviction').length, h.flows.evictions);
  h.flows.closeAll();
  assert.equal(h.flows.count, 0);
  assert.equal(h.closed.filter((c) => c.reason === 'shutdown').length, h.flows.maxFlows);
});

test('time that jumps back and forth on every packet sweeps a bounded number of times, and flows still time out', () => {
  const h = new Harness(65536);
  const n = 40_000;
  // Two capture clocks 5 s apart, interleaved, one new unanswered SYN per packet, 100 packets a second.
  for (let i = 0; i < n; i++) {
    const t = 5000 + Math.floor(i / 2) / 50 + (i % 2 === 1 ? 5 : 0);
    h.send(tcp(A, B, 1024 + (i % 60000), 80 + (i % 2), 0x02), t);
  }
  const span = n / 2 / 50;
  // Before the sweep followed the latest time, every packet here was a step back or forward: a sweep each.
  assert.ok(h.flows.sweeps <= span + 2 * (n / 4096 + 1) + 2, `${h.flows.sweeps} sweeps for ${n} packets over ${span} s`);
  // Unanswered attempts (S0) time out after 30 s idle while the traffic goes on.
  assert.ok(h.closed.length > n / 2, `${h.closed.length} closed`);
  assert.ok(h.closed.every((c) => c.state === 'S0' && c.reason === 'idle-timeout'));
});

/** Splits an Ethernet/IPv4 frame's datagram into fragments of `size` payload bytes (a multiple of 8), with identification id. */
function fragmentsOf(frame: Buffer, id: number, size: number): Buffer[] {
  const head = frame.subarray(0, 34);
  const payload = frame.subarray(34);
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const part = payload.subarray(off, Math.min(off + size, payload.length));
    const f = Buffer.concat([head, part]);
    f.writeUInt16BE(20 + part.length, 16);
    f.writeUInt16BE(id, 18);
    f.writeUInt16BE(((off + size < payload.length ? 0x2000 : 0) | (off >>> 3)), 20);
    out.push(f);
  }
  return out;
}

test('later IP fragments count in their datagram\'s flow, also when they come before the first, and not after the fragment timeout', () => {
  const h = new Harness();
  const [first, second, third] = fragmentsOf(ipv4Udp(A, B, 5353, 53, new Uint8Array(2000)), 0x1ea0, 1000);
  // Out of order: the later fragments wait for the first.
  assert.equal(h.send(third, 1), -1);
  assert.equal(h.send(second, 1.1), -1);
  const s = h.send(first, 1.2);
  assert.ok(s >= 0);
  assert.equal(h.flows.packets(s, 0), 3);
  assert.equal(h.flows.bytes(s, 0), first.length + second.length + third.length);
  // The answer, then a second datagram in order, from the responder: counted on its side.
  const [r1, r2] = fragmentsOf(ipv4Udp(B, A, 53, 5353, new Uint8Array(1200)), 0x0007, 1000);
  assert.equal(h.send(r1, 2), s);
  h.send(r2, 2.5);
  assert.equal(h.flows.packets(s, 1), 2);
  assert.equal(h.flows.bytes(s, 1), r1.length + r2.length);
  assert.equal(h.flows.lastSeen(s), 2.5);
  // A repeat of the first datagram's last fragment 31 s after its newest fragment (the default timeout is 30 s) is not counted.
  assert.equal(DETECTION_DEFAULTS.flows.timeouts.fragment, 30);
  h.send(third, 32.2);
  assert.equal(h.flows.packets(s, 0), 3);
  assert.equal(h.flows.laterFragments, 4);
  assert.equal(h.flows.laterFragmentsInFlows, 3);
});

/** An Ethernet/IPv6 fragment: Fragment header (next header nh, offset in bytes, more flag, id), then body. */
function ipv6Fragment(nh: number, offset: number, more: boolean, id: number, body: Buffer): Buffer {
  const f = Buffer.alloc(14 + 40 + 8 + body.length);
  f.writeUInt16BE(0x86dd, 12);
  f[14] = 0x60;
  f.writeUInt16BE(8 + body.length, 18);
  f[20] = 44;
  f[21] = 64;
  f[22 + 15] = 1;
  f[38 + 15] = 2;
  f[22] = 0x20; f[23] = 0x01; f[38] = 0x20; f[39] = 0x01;
  f[54] = nh;
  f.writeUInt16BE((offset & ~7) | (more ? 1 : 0), 56);
  f.writeUInt32BE(id, 58);
  body.copy(f, 62);
  return f;
}

test('an IPv6 datagram whose Fragment header is followed by destination options keeps its later fragments in its flow', () => {
  const h = new Harness();
  // First fragment: destination options (next header UDP, 8 bytes), the UDP header, 16 bytes of data.
  const opts = Buffer.from([17, 0, 1, 4, 0, 0, 0, 0]);
  const udp = Buffer.alloc(8 + 16);
  udp.writeUInt16BE(5000, 0); udp.writeUInt16BE(53, 2); udp.writeUInt16BE(8 + 16 + 40, 4);
  const s = h.send(ipv6Fragment(60, 0, true, 77, Buffer.concat([opts, udp])), 1);
  assert.ok(s >= 0);
  // The later fragment's Fragment header names destination options (60) as the next header, not UDP.
  h.send(ipv6Fragment(60, 32, false, 77, Buffer.alloc(40)), 1.1);
  assert.equal(h.flows.packets(s, 0), 2);
  assert.equal(h.flows.laterFragmentsInFlows, 1);
});

test('a later fragment is never counted in another flow that took its flow\'s record at the same instant', () => {
  const h = new Harness(1024);
  const [first, later] = fragmentsOf(ipv4Udp(ip('10.77.9.9'), B, 7000, 53, new Uint8Array(1500)), 0x4242, 1000);
  const s = h.send(first, 2);
  // Other flows at the same time, until the full table (768 flows) evicts the datagram's flow and a new flow reuses its record.
  for (let i = 0; i < 50_000 && h.flows.bytes(s, 0) === first.length; i++) {
    h.send(ipv4Udp(ip(`10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`), B, 10000 + (i & 1023), 80, new Uint8Array(10)), 2);
  }
  // The record holds another flow now: one small packet, not the 1,034-byte first fragment.
  assert.ok(h.flows.isUsed(s) && h.flows.packets(s, 0) === 1 && h.flows.bytes(s, 0) !== first.length, 'the record was not reused');
  h.send(later, 2);
  assert.equal(h.flows.laterFragmentsInFlows, 0);
  assert.equal(h.flows.packets(s, 0), 1);
});
