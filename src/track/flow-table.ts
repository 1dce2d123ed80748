// Bidirectional flows keyed by 5-tuple in a fixed-capacity open-addressing table: the hash slots hold
// record numbers, and each flow is one record of two 64-byte lines in a single buffer, handed out from a
// free list. The first line holds what finding the flow reads (key, hash, protocol, flags, history), the
// second what counting it writes (packets and bytes each way, first seen, next-hop MACs), so a packet
// touches two lines instead of one per field; and live flows occupy the low record numbers. Last-seen
// times stay in their own dense array, which eviction scans.
// Per flow: packets, bytes, flags and history each way, Zeek conn_state, close reasons, timeouts in
// packet time, and the next-hop MAC each way (so a gateway takeover mid-flow can be seen).

import { DecodeStatus } from '../decode/decode-status.js';
import {
  FRAG_FIRST, FRAG_LATER, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, L3_IPV4, L3_IPV6, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
  type PacketRecord,
} from '../decode/packet-record.js';
import { hashWords, writeDst, writeSrc } from './address-key.js';
import { communityId, ICMP4_COUNTERPART, ICMP6_COUNTERPART } from './community-id.js';
import { FragmentFlows } from './fragment-flows.js';
import { PacketClock } from './packet-clock.js';

export const enum CloseReason { Fin = 0, Rst = 1, IdleTimeout = 2, ActiveTimeout = 3, Eviction = 4, Shutdown = 5 }
export const CLOSE_REASON_NAMES = ['fin', 'rst', 'idle-timeout', 'active-timeout', 'eviction', 'shutdown'] as const;

/** History bits, per direction. */
export const H_SYN = 1;
export const H_SYNACK = 2;
export const H_ACK = 4;
export const H_DATA = 8;
export const H_FIN = 16;
export const H_RST = 32;

/** Packet time after which a flow is closed, by protocol and TCP state, in seconds. */
export interface FlowTimeouts {
  tcpAttempt: number;
  tcpEstablished: number;
  tcpClosed: number;
  udp: number;
  icmp: number;
  other: number;
  active: number;
  /** How long a fragmented datagram's later fragments are still counted in its flow after its newest fragment. */
  fragment: number;
}

export interface FlowCloseListener {
  flowClosed(flows: FlowTable, slot: number, reason: CloseReason): void;
}

const SCAN = 16;
const SCPS = 132;
/** Fragmented datagrams whose flow is remembered at once (later fragments of older ones count in no flow). */
const FRAGMENT_CAPACITY = 8192;

/** A record: 32 words (two cache lines). Offsets below are in 4-byte words, byte offsets noted where smaller. */
const RW = 32;
// Line 1: key words 0-7 (lo address, hi address), 8 ports, 9 hash; bytes 40.. single-byte fields.
const W_PORTS = 8;
const W_HASH = 9;
const B_PROTO = 40;
const B_USED = 41;
const B_ORIG_IS_LO = 42;
const B_ONE_WAY = 43;
const B_CLOSING = 44;
const B_ALERTED = 45;
/** History bits of the originator, then the responder. */
const B_HIST = 46;
/** TCP flags seen, originator then responder (16-bit, half-word index 24). */
const H_FLAGS = 24;
/**
 * Zeek's history letters in the order they first happened: up to 16 entries of 4 bits (letter code, then
 * the responder bit) in bytes 52-59, how many in byte 60, and per side the letter codes already there (bytes 61, 62).
 */
const B_ORDER = 52;
const B_ORDER_COUNT = 60;
const B_ORDER_SEEN = 61;
/** Letter codes of the ordered history: S H A D F R, then Zeek's I (FIN and RST together) and Q (other multi-flag packets). */
const Z_SYN = 0;
const Z_SYNACK = 1;
const Z_ACK = 2;
const Z_DATA = 3;
const Z_FIN = 4;
const Z_RST = 5;
const Z_FIN_RST = 6;
const Z_MULTI = 7;
const ORDER_LETTERS = 'SHADFRIQ';
// Line 2 (Float64 indexes, word / 2): packets and bytes each way, first seen, closing time, next-hop MACs.
const D_PKTS = 8;
const D_BYTES = 10;
const D_FIRST = 12;
const D_CLOSING_AT = 13;
const W_MAC_LO = 28;
/** Next-hop MAC high 16 bits (half-word index 60, 61) and whether each is set (bytes 124, 125). */
const H_MAC_HI = 60;
const B_MAC_SET = 124;

const RSTOS0_HISTORY = /^S[^HAFGIQ]*R/;

/** Zeek's one history letter for a TCP packet (its update_history rule), or -1 for none (no flags, no payload). */
function zeekLetter(f: number, payload: number): number {
  const syn = (f & TCP_SYN) !== 0;
  const fin = (f & TCP_FIN) !== 0;
  const rst = (f & TCP_RST) !== 0;
  const n = (syn ? 1 : 0) + (fin ? 1 : 0) + (rst ? 1 : 0);
  if (n > 1) return fin && rst ? Z_FIN_RST : Z_MULTI;
  if (n === 1) return syn ? ((f & TCP_ACK) !== 0 ? Z_SYNACK : Z_SYN) : fin ? Z_FIN : Z_RST;
  if (payload > 0) return Z_DATA;
  return (f & TCP_ACK) !== 0 ? Z_ACK : -1;
}

export class FlowTable {
  /** Hash slots (power of two). */
  readonly capacity: number;
  /** Most flows open at once, and the number of records (0..maxFlows). */
  readonly maxFlows: number;
  readonly timeouts: FlowTimeouts;
  count = 0;
  created = 0;
  evictions = 0;
  /** Passes over the table that closed timed-out flows. */
  sweeps = 0;
  readonly closedBy = new Float64Array(6);
  /** Later IP fragments (no ports) seen, and how many of them were counted in their datagram's flow. */
  laterFragments = 0;
  laterFragmentsInFlows = 0;
  /** The flow of each fragmented datagram, for its later fragments. */
  readonly fragments: FragmentFlows;
  listener: FlowCloseListener | null = null;

  // Per packet: what update() found.
  lastSlot = -1;
  lastFromOrig = false;
  lastIsNew = false;
  /** The originator just completed the handshake (its first ACK after the responder's SYN-ACK). */
  lastEstablished = false;
  /** This packet closed a TCP flow: the second FIN of the exchange, or the first RST. */
  lastClosing = false;
  lastNextHopChanged = false;
  /**
   * The latest packet's time made a sweep due (once per second of packet time, see PacketClock): the detection
   * engine ticks its detectors on the same schedule rather than keep a second clock fed the same times.
   */
  lastSwept = false;
  /** The next-hop MAC before the change (hi 16 bits, lo 32 bits). */
  lastPrevMacHi = 0;
  lastPrevMacLo = 0;

  private readonly mask: number;
  /** Per hash slot: the record there, or -1 (linear probing, backward-shift deletion). */
  private readonly slots: Int32Array;
  /** Records closed and free again (a stack, so live records stay packed low); records never used start at `fresh`. */
  private readonly free: Int32Array;
  private freeTop = 0;
  private fresh = 0;
  /**
   * The records, as 32-bit words: a flow's addresses are at origAddrOffset(s) and respAddrOffset(s)
   * (4 words each; IPv4 as ::ffff:a.b.c.d).
   */
  readonly addrs: Uint32Array;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly f64: Float64Array;
  /**
   * Last seen, per record, apart from the records: choosing an eviction victim compares 16 flows' times,
   * which would otherwise be 16 record lines per new flow once the table is full (a spoofed flood).
   */
  private readonly last: Float64Array;
  /** Per record, the number of the flow in it (1, 2, ... in order of creation): a record reused holds a flow of another number. */
  private readonly serials: Float64Array;

  private readonly key = new Uint32Array(9);
  private readonly tmp = new Uint32Array(4);
  /** When sweeps are due (once per second of packet time, bounded when time goes back and forth). */
  private readonly sweepClock = new PacketClock();

  /** The run's packet clock (fed by due() and update()): window tables read from it when time stepped back. */
  get clock(): PacketClock {
    return this.sweepClock;
  }

  /** The next packet begins another file, whose time may be older: sweeps follow it from its first packet. */
  newSource(): void {
    this.sweepClock.newSource();
  }

  constructor(capacity: number, timeouts: FlowTimeouts) {
    if ((capacity & (capacity - 1)) !== 0) throw new RangeError('flow capacity must be a power of two');
    this.capacity = capacity;
    this.maxFlows = (capacity * 3) >>> 2;
    this.timeouts = timeouts;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity).fill(-1);
    const n = this.maxFlows;
    this.free = new Int32Array(n);
    const buf = new ArrayBuffer(n * RW * 4);
    this.addrs = new Uint32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.f64 = new Float64Array(buf);
    this.last = new Float64Array(n);
    this.serials = new Float64Array(n);
    this.fragments = new FragmentFlows(FRAGMENT_CAPACITY, timeouts.fragment);
  }

  /**
   * Folds the packet into its flow (creating it); returns its record, or -1 when the packet has no flow
   * (non-IP). A later IP fragment is counted in its datagram's flow (packets, bytes, last seen) when its
   * first fragment was seen, but -1 is still returned: it has no ports or transport header for detectors.
   */
  update(rec: PacketRecord, t: number): number {
    if (this.due(t)) this.sweepDue();
    return this.track(rec, t);
  }

  /**
   * A packet at time t is coming: true (and lastSwept) when it makes a sweep due, once per second of packet
   * time. The detection engine ticks its detectors then, before the packet counts anywhere, and sweeps
   * (sweepDue) before it tracks the packet (track), as it does for a quiet link (idle).
   */
  due(t: number): boolean {
    this.lastSwept = this.sweepClock.due(t);
    return this.lastSwept;
  }

  /** update() without the schedule: the caller has asked due() for this packet's time and swept if it was. */
  track(rec: PacketRecord, t: number): number {
    this.lastSlot = -1;
    this.lastIsNew = false;
    this.lastEstablished = false;
    this.lastClosing = false;
    this.lastNextHopChanged = false;
    if (rec.l3 !== L3_IPV4 && rec.l3 !== L3_IPV6) return -1;
    if (rec.status === DecodeStatus.MalformedIp || rec.status === DecodeStatus.TruncatedIp) return -1;
    if (rec.fragment === FRAG_LATER) {
      this.laterFragment(rec, t);
      return -1;
    }
    const proto = rec.ipProto;
    let sp = 0;
    let dp = 0;
    let oneWay = 0;
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === SCPS) {
      if (rec.srcPort < 0) return -1;
      sp = rec.srcPort;
      dp = rec.dstPort;
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      if (rec.icmpType < 0) return -1;
      const pair = proto === IPPROTO_ICMP ? ICMP4_COUNTERPART[rec.icmpType] : ICMP6_COUNTERPART[rec.icmpType];
      sp = rec.icmpType;
      if (pair >= 0) dp = pair; else { dp = rec.icmpCode; oneWay = 1; }
    }
    const k = this.key;
    const tmp = this.tmp;
    writeSrc(k, 0, rec);
    writeDst(k, 4, rec);
    // Canonical order: the lower (address, port) first, so both directions find the same slot.
    let c = 0;
    for (let i = 0; i < 4 && c === 0; i++) c = k[i] === k[4 + i] ? 0 : k[i] < k[4 + i] ? -1 : 1;
    if (c === 0) c = sp === dp ? 0 : sp < dp ? -1 : 1;
    const fromLo = c <= 0;
    if (!fromLo) {
      for (let i = 0; i < 4; i++) { tmp[i] = k[i]; k[i] = k[4 + i]; k[4 + i] = tmp[i]; }
      const x = sp; sp = dp; dp = x;
    }
    k[8] = ((sp << 16) | dp) >>> 0;
    const h = (hashWords(k, 0, 9, proto) ^ proto) >>> 0;

    const u8 = this.u8;
    const f64 = this.f64;
    let s = this.find(k, proto, h);
    let isNew = false;
    if (s < 0) {
      if (this.count >= this.maxFlows) this.evictNear(h, t);
      s = this.insertAt(k, proto, h);
      isNew = true;
      // A SYN-ACK first means the SYN was missed: its sender is the responder.
      const synAck = proto === IPPROTO_TCP && (rec.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
      u8[s * RW * 4 + B_ORIG_IS_LO] = fromLo !== synAck ? 1 : 0;
      u8[s * RW * 4 + B_ONE_WAY] = oneWay;
      f64[s * (RW >>> 1) + D_FIRST] = t;
      this.last[s] = t;
      this.created++;
      this.count++;
    }
    const rb = s * RW * 4;
    const rd = s * (RW >>> 1);
    const fromOrig = (u8[rb + B_ORIG_IS_LO] === 1) === fromLo;
    const dir = fromOrig ? 0 : 1;
    if (t > this.last[s]) this.last[s] = t;
    f64[rd + D_PKTS + dir]++;
    f64[rd + D_BYTES + dir] += rec.wireLen;
    const hd = rb + B_HIST + dir;
    if (proto === IPPROTO_TCP) {
      const f = rec.tcpFlags;
      this.u16[s * RW * 2 + H_FLAGS + dir] |= f;
      let hb = 0;
      if ((f & TCP_SYN) !== 0) hb |= (f & TCP_ACK) !== 0 ? H_SYNACK : H_SYN;
      if ((f & TCP_FIN) !== 0) hb |= H_FIN;
      if ((f & TCP_RST) !== 0) hb |= H_RST;
      if (rec.payloadLength > 0) hb |= H_DATA;
      else if (f === TCP_ACK) hb |= H_ACK;
      // The originator's first ACK (with or without data) after the responder's SYN-ACK completes the handshake.
      if (fromOrig && (f & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_ACK && (u8[rb + B_HIST + 1] & H_SYNACK) !== 0 &&
        (u8[hd] & (H_ACK | H_DATA)) === 0) {
        this.lastEstablished = true;
      }
      u8[hd] |= hb;
      if (u8[rb + B_CLOSING] === 0) {
        if ((hb & H_RST) !== 0) { u8[rb + B_CLOSING] = 2; f64[rd + D_CLOSING_AT] = t; this.lastClosing = true; }
        else if ((u8[rb + B_HIST] & H_FIN) !== 0 && (u8[rb + B_HIST + 1] & H_FIN) !== 0) { u8[rb + B_CLOSING] = 1; f64[rd + D_CLOSING_AT] = t; this.lastClosing = true; }
      }
      this.noteLetter(rb, dir, zeekLetter(f, rec.payloadLength));
    } else {
      if (rec.payloadLength > 0) u8[hd] |= H_DATA;
      // Zeek's history: D or d for every UDP packet (empty ones too), other transports with payload; none for ICMP.
      if (proto === IPPROTO_UDP || (rec.payloadLength > 0 && proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6)) this.noteLetter(rb, dir, Z_DATA);
    }
    // Next hop: the destination MAC of the originator's packets, the source MAC of the responder's.
    const mo = rec.macSrcOffset;
    if (mo >= 0) {
      const b = rec.data;
      const p = fromOrig ? mo - 6 : mo;
      const hi = (b[p] << 8) | b[p + 1];
      const lo = ((b[p + 2] << 24) | (b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5]) >>> 0;
      const hiAt = s * RW * 2 + H_MAC_HI + dir;
      const loAt = s * RW + W_MAC_LO + dir;
      if (u8[rb + B_MAC_SET + dir] === 0) {
        u8[rb + B_MAC_SET + dir] = 1; this.u16[hiAt] = hi; this.addrs[loAt] = lo;
      } else if (this.u16[hiAt] !== hi || this.addrs[loAt] !== lo) {
        this.lastNextHopChanged = true;
        this.lastPrevMacHi = this.u16[hiAt];
        this.lastPrevMacLo = this.addrs[loAt];
        this.u16[hiAt] = hi; this.addrs[loAt] = lo;
      }
    }
    if (rec.fragment === FRAG_FIRST) this.firstFragment(rec, s, dir, t);
    this.lastSlot = s;
    this.lastFromOrig = fromOrig;
    this.lastIsNew = isNew;
    return s;
  }

  /** Appends a history letter the first time this side shows it (a few times per flow; most packets only read one byte). */
  private noteLetter(rb: number, dir: number, z: number): void {
    if (z < 0) return;
    const u8 = this.u8;
    const seen = rb + B_ORDER_SEEN + dir;
    // S and H share one mark, as in Zeek: a side that sent a SYN shows no H for a later SYN-ACK.
    const bit = 1 << (z === Z_SYNACK ? Z_SYN : z);
    if ((u8[seen] & bit) !== 0) return;
    u8[seen] |= bit;
    const n = u8[rb + B_ORDER_COUNT];
    const code = z | (dir << 3);
    const at = rb + B_ORDER + (n >>> 1);
    u8[at] |= (n & 1) === 0 ? code : code << 4;
    u8[rb + B_ORDER_COUNT] = n + 1;
  }

  /** A later fragment: counted in its datagram's flow if that is known and still open, else held for its first fragment. */
  private laterFragment(rec: PacketRecord, t: number): void {
    this.laterFragments++;
    const fr = this.fragments;
    const e = fr.entry(rec, t);
    const s = fr.flowOf(e);
    if (s >= 0) {
      if (this.isUsed(s) && this.serials[s] === fr.flowSerialOf(e)) this.addFragments(s, fr.dirOf(e), 1, rec.wireLen, t);
    } else {
      fr.hold(e, rec.wireLen);
    }
  }

  /** A first fragment counted in flow s: later fragments seen before it are added, and the rest will follow it. */
  private firstFragment(rec: PacketRecord, s: number, dir: number, t: number): void {
    const fr = this.fragments;
    const e = fr.entry(rec, t);
    if (fr.heldPackets(e) > 0) {
      this.addFragments(s, dir, fr.heldPackets(e), fr.heldByteCount(e), t);
      fr.clearHeld(e);
    }
    fr.setFlow(e, s, this.serials[s], dir);
  }

  private addFragments(s: number, dir: number, packets: number, bytes: number, t: number): void {
    const rd = s * (RW >>> 1);
    this.f64[rd + D_PKTS + dir] += packets;
    this.f64[rd + D_BYTES + dir] += bytes;
    if (t > this.last[s]) this.last[s] = t;
    this.laterFragmentsInFlows += packets;
  }

  /** The record holding the key, or -1. */
  private find(k: Uint32Array, proto: number, h: number): number {
    const slots = this.slots;
    const a = this.addrs;
    const u8 = this.u8;
    for (let i = 0; i <= this.mask; i++) {
      const s = slots[(h + i) & this.mask];
      if (s < 0) return -1;
      const o = s * RW;
      if (a[o + W_HASH] !== h || a[o + W_PORTS] !== k[8] || u8[o * 4 + B_PROTO] !== proto) continue;
      if (a[o] === k[0] && a[o + 1] === k[1] && a[o + 2] === k[2] && a[o + 3] === k[3] &&
        a[o + 4] === k[4] && a[o + 5] === k[5] && a[o + 6] === k[6] && a[o + 7] === k[7]) return s;
    }
    return -1;
  }

  /** Takes a free record for the key and puts it in the first empty slot from the key's home; returns the record. */
  private insertAt(k: Uint32Array, proto: number, h: number): number {
    let i = h & this.mask;
    while (this.slots[i] >= 0) i = (i + 1) & this.mask;
    const s = this.freeTop > 0 ? this.free[--this.freeTop] : this.fresh++;
    this.slots[i] = s;
    const o = s * RW;
    const a = this.addrs;
    // Zero the whole record, then write the key.
    a.fill(0, o, o + RW);
    for (let w = 0; w < 8; w++) a[o + w] = k[w];
    a[o + W_PORTS] = k[8];
    a[o + W_HASH] = h;
    this.serials[s] = this.created + 1;
    this.u8[o * 4 + B_PROTO] = proto;
    this.u8[o * 4 + B_USED] = 1;
    return s;
  }

  /** Table full: close the least recently seen flow among those near the new key's home slot. */
  private evictNear(h: number, _t: number): void {
    const slots = this.slots;
    let victim = -1;
    for (let j = 0; j < SCAN; j++) {
      const i = (h + j) & this.mask;
      const s = slots[i];
      if (s < 0) continue;
      if (victim < 0 || this.lastSeen(s) < this.lastSeen(slots[victim])) victim = i;
    }
    if (victim < 0) {
      for (let i = 0; i < this.capacity; i++) if (slots[i] >= 0) { victim = i; break; }
    }
    this.evictions++;
    this.close(victim, CloseReason.Eviction);
  }

  /**
   * Live, no packet for a second or more: packet time has moved on to t. True when a sweep is due; the
   * detection engine then ticks its detectors and calls sweepDue(), as a packet at t would have. A time
   * not ahead of the schedule (a capture restarted, the idle estimate behind) does nothing: idle never
   * moves packet time back.
   */
  idle(t: number): boolean {
    if (!(t > this.sweepClock.now)) return false;
    return this.sweepClock.due(t);
  }

  /** The sweep due() or idle() found due, at the schedule's time. */
  sweepDue(): void {
    this.sweep(this.sweepClock.now);
  }

  /** Closes flows whose time is up at packet time t (once per second of packet time: update(), or due() and sweepDue()). */
  sweep(t: number): void {
    this.sweeps++;
    const u8 = this.u8;
    // Over the records, which are packed low, not the hash slots: the pass costs the flows there are,
    // not the table's capacity (a quiet capture, or one whose packets are seconds apart, sweeps every
    // second or two). Flows that time out together close in the order of their records.
    const n = this.fresh;
    for (let s = 0; s < n; s++) {
      if (u8[s * RW * 4 + B_USED] === 0) continue;
      const reason = this.closeReasonAt(s, t);
      if (reason >= 0) this.close(this.slotOf(s), reason as CloseReason);
    }
  }

  /**
   * Why the live flow in record s closes in a sweep at packet time t (the end of its FIN or RST exchange, an
   * idle or active timeout), or -1 while it stays open. A detector that looks at open flows before the
   * sweep (slowloris, at the tick) leaves out those the sweep is about to close.
   */
  closeReasonAt(s: number, t: number): number {
    const to = this.timeouts;
    const u8 = this.u8;
    const f64 = this.f64;
    const rb = s * RW * 4;
    const rd = s * (RW >>> 1);
    const closing = u8[rb + B_CLOSING];
    if (closing !== 0 && t - f64[rd + D_CLOSING_AT] >= to.tcpClosed) return closing === 2 ? CloseReason.Rst : CloseReason.Fin;
    const p = u8[rb + B_PROTO];
    let limit: number;
    if (p === IPPROTO_TCP) {
      const established = (u8[rb + B_HIST + 1] & H_SYNACK) !== 0 || (u8[rb + B_HIST] & H_DATA) !== 0;
      limit = established ? to.tcpEstablished : to.tcpAttempt;
    } else if (p === IPPROTO_UDP) limit = to.udp;
    else if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) limit = to.icmp;
    else limit = to.other;
    // Idle before active: after a gap in packet time both hold, and a flow whose last packet is
    // long gone ended by going quiet, however long ago it began.
    if (t - this.last[s] >= limit) return CloseReason.IdleTimeout;
    if (t - f64[rd + D_FIRST] >= to.active) return CloseReason.ActiveTimeout;
    return -1;
  }

  /** The hash slot holding record s (a live flow's record is always in the probe run from its home slot). */
  private slotOf(s: number): number {
    const slots = this.slots;
    let i = this.addrs[s * RW + W_HASH] & this.mask;
    while (slots[i] !== s) i = (i + 1) & this.mask;
    return i;
  }

  /** Closes every flow (end of input or shutdown). */
  closeAll(): void {
    for (let i = 0; i < this.capacity; i++) {
      while (this.slots[i] >= 0) this.close(i, CloseReason.Shutdown);
    }
  }

  /** Closes the flow in hash slot i: the listener sees its record, which then goes back to the free list. */
  private close(i: number, reason: CloseReason): void {
    const s = this.slots[i];
    this.closedBy[reason]++;
    this.listener?.flowClosed(this, s, reason);
    this.count--;
    this.u8[s * RW * 4 + B_USED] = 0;
    this.free[this.freeTop++] = s;
    this.remove(i);
  }

  /** Backward-shift deletion keeps linear probing correct without tombstones. */
  private remove(i: number): void {
    const slots = this.slots;
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      const s = slots[j];
      if (s < 0) break;
      const home = this.addrs[s * RW + W_HASH] & this.mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      slots[hole] = s;
      hole = j;
    }
    slots[hole] = -1;
  }

  /** The record in hash slot i (0..capacity), or -1. */
  recordAt(i: number): number { return this.slots[i]; }

  isUsed(s: number): boolean { return this.u8[s * RW * 4 + B_USED] !== 0; }

  /** Records handed out so far: every live flow's record is below this. */
  get recordsHandedOut(): number { return this.fresh; }

  private origIsLo(s: number): boolean { return this.u8[s * RW * 4 + B_ORIG_IS_LO] === 1; }

  /** Offsets in `addrs` of the originator's and responder's addresses. */
  origAddrOffset(s: number): number { return s * RW + (this.origIsLo(s) ? 0 : 4); }
  respAddrOffset(s: number): number { return s * RW + (this.origIsLo(s) ? 4 : 0); }
  origPort(s: number): number { const p = this.addrs[s * RW + W_PORTS]; return this.origIsLo(s) ? p >>> 16 : p & 0xffff; }
  respPort(s: number): number { const p = this.addrs[s * RW + W_PORTS]; return this.origIsLo(s) ? p & 0xffff : p >>> 16; }

  proto(s: number): number { return this.u8[s * RW * 4 + B_PROTO]; }
  /** The flow's number (1, 2, ... in order of creation): tells a flow from a later one in the same record. */
  serialOf(s: number): number { return this.serials[s]; }
  firstSeen(s: number): number { return this.f64[s * (RW >>> 1) + D_FIRST]; }
  lastSeen(s: number): number { return this.last[s]; }
  /** Seconds from first to last packet, to the microsecond (as the flow log and the flows table give it). */
  duration(s: number): number { return Math.round((this.last[s] - this.firstSeen(s)) * 1e6) / 1e6; }
  /** Packets, bytes and history bits (H_*) of the originator's (dir 0) or the responder's (dir 1) side. */
  packets(s: number, dir: 0 | 1): number { return this.f64[s * (RW >>> 1) + D_PKTS + dir]; }
  bytes(s: number, dir: 0 | 1): number { return this.f64[s * (RW >>> 1) + D_BYTES + dir]; }
  history(s: number, dir: 0 | 1): number { return this.u8[s * RW * 4 + B_HIST + dir]; }
  /**
   * Zeek's conn.log history: each side's letters (upper case the originator, lower case the responder) in
   * the order they first happened, one per packet by Zeek's rule (S, H, F, R for a packet with exactly one
   * of SYN, FIN, RST; I for FIN with RST, Q for other multi-flag packets; else D with payload, A for a bare
   * ACK). Not shown: Zeek's repeats of a letter and its letters for retransmissions, windows and gaps.
   */
  historyText(s: number): string {
    const rb = s * RW * 4;
    const u8 = this.u8;
    const n = u8[rb + B_ORDER_COUNT];
    let h = '';
    for (let i = 0; i < n; i++) {
      const b = u8[rb + B_ORDER + (i >>> 1)];
      const code = (i & 1) === 0 ? b & 15 : b >>> 4;
      const ch = ORDER_LETTERS[code & 7];
      h += (code & 8) !== 0 ? ch.toLowerCase() : ch;
    }
    return h;
  }

  /** TCP flags seen from one side. */
  tcpFlags(s: number, dir: 0 | 1): number { return this.u16[s * RW * 2 + H_FLAGS + dir]; }
  /** A FIN exchange or a RST is closing the flow. */
  isClosing(s: number): boolean { return this.u8[s * RW * 4 + B_CLOSING] !== 0; }
  /** The next-hop MAC of one side as a number (48 bits), or -1 when none was seen. */
  nextHopMac(s: number, dir: 0 | 1): number {
    if (this.u8[s * RW * 4 + B_MAC_SET + dir] === 0) return -1;
    return this.u16[s * RW * 2 + H_MAC_HI + dir] * 4294967296 + this.addrs[s * RW + W_MAC_LO + dir];
  }
  /** 1 when an alert was raised on one of the flow's packets (for storing alerted flows only). */
  alerted(s: number): number { return this.u8[s * RW * 4 + B_ALERTED]; }
  markAlerted(s: number): void { this.u8[s * RW * 4 + B_ALERTED] = 1; }

  /** A TCP handshake that completed, or any other flow that got an answer. */
  completed(s: number): boolean {
    const o = this.history(s, 0);
    const r = this.history(s, 1);
    if (this.proto(s) !== IPPROTO_TCP) return this.packets(s, 0) > 0 && this.packets(s, 1) > 0;
    return (r & H_SYNACK) !== 0 && (o & (H_ACK | H_DATA)) !== 0;
  }

  /** Zeek's conn_state from the two histories. */
  connState(s: number): string {
    const p = this.proto(s);
    const o = this.history(s, 0);
    const r = this.history(s, 1);
    const rp = this.packets(s, 1);
    // Zeek's conn_state(): UDP is SF, S0 or SHR by which sides sent; any other protocol (ICMP too) is OTH.
    if (p === IPPROTO_UDP) {
      const op = this.packets(s, 0);
      return op > 0 ? (rp > 0 ? 'SF' : 'S0') : rp > 0 ? 'SHR' : 'OTH';
    }
    if (p !== IPPROTO_TCP) return 'OTH';
    const oSyn = (o & H_SYN) !== 0;
    const rSynAck = (r & H_SYNACK) !== 0;
    if (oSyn && !rSynAck) {
      if ((r & H_RST) !== 0) return 'REJ';
      // Zeek's RSTOS0: the history begins with the SYN and the originator's RST follows with no ACK, FIN, I or Q of its between (^S[^HAFGIQ]*R).
      if ((o & H_RST) !== 0) return RSTOS0_HISTORY.test(this.historyText(s)) ? 'RSTOS0' : 'OTH';
      if ((o & H_FIN) !== 0) return 'SH';
      return rp > 0 ? 'OTH' : 'S0';
    }
    if (!oSyn && rSynAck) {
      if ((r & H_RST) !== 0) return 'RSTRH';
      if ((r & H_FIN) !== 0) return 'SHR';
      return 'OTH';
    }
    if (oSyn && rSynAck) {
      if ((o & H_RST) !== 0) return 'RSTO';
      if ((r & H_RST) !== 0) return 'RSTR';
      const of = (o & H_FIN) !== 0;
      const rf = (r & H_FIN) !== 0;
      if (of && rf) return 'SF';
      if (of) return 'S2';
      if (rf) return 'S3';
      return 'S1';
    }
    return 'OTH';
  }

  communityId(s: number, seed = 0): string {
    return communityId(this.addrs, this.origAddrOffset(s), this.respAddrOffset(s), this.proto(s),
      this.origPort(s), this.respPort(s), this.u8[s * RW * 4 + B_ONE_WAY] === 1, seed);
  }

  /** Bytes of typed arrays held. */
  get memoryBytes(): number {
    return this.slots.byteLength + this.free.byteLength + this.addrs.byteLength + this.last.byteLength + this.serials.byteLength + this.fragments.memoryBytes;
  }
}
