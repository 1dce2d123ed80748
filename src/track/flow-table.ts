// Bidirectional flows keyed by 5-tuple in a fixed-capacity open-addressing table: the hash slots hold
// record numbers, and each flow's fields live in struct-of-arrays records handed out from a free list.
// Live flows thus occupy the low record numbers, so a packet's fields sit in memory that stays cached
// however large the table is, and closing a flow shifts only slot entries, not whole records:
// packets, bytes, flags and history each way, Zeek conn_state, close reasons, timeouts in packet time,
// and the next-hop MAC each way (so a gateway takeover mid-flow can be seen).

import { DecodeStatus } from '../decode/decode-status.js';
import {
  FRAG_LATER, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, L3_IPV4, L3_IPV6, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN,
  type PacketRecord,
} from '../decode/packet-record.js';
import { hashWords, writeDst, writeSrc } from './address-key.js';
import { communityId, ICMP4_COUNTERPART, ICMP6_COUNTERPART } from './community-id.js';

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
}

export interface FlowCloseListener {
  flowClosed(flows: FlowTable, slot: number, reason: CloseReason): void;
}

const SCAN = 16;
const SCPS = 132;

export class FlowTable {
  /** Hash slots (power of two). */
  readonly capacity: number;
  /** Most flows open at once, and the number of records: the arrays below are indexed by record (0..maxFlows). */
  readonly maxFlows: number;
  readonly timeouts: FlowTimeouts;
  count = 0;
  created = 0;
  evictions = 0;
  readonly closedBy = new Float64Array(6);
  listener: FlowCloseListener | null = null;

  // Per packet: what update() found.
  lastSlot = -1;
  lastFromOrig = false;
  lastIsNew = false;
  /** The originator just completed the handshake (its first ACK after the responder's SYN-ACK). */
  lastEstablished = false;
  lastNextHopChanged = false;
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
  /** Key: lo address (4 words), hi address (4 words). */
  readonly addrs: Uint32Array;
  /** lo port << 16 | hi port. */
  readonly ports: Uint32Array;
  readonly proto: Uint8Array;
  private readonly hash: Uint32Array;
  private readonly used: Uint8Array;
  readonly origIsLo: Uint8Array;
  readonly oneWay: Uint8Array;
  readonly first: Float64Array;
  readonly last: Float64Array;
  /** [orig, resp] per flow. */
  readonly pkts: Float64Array;
  readonly bytes: Float64Array;
  readonly flags: Uint16Array;
  readonly hist: Uint8Array;
  readonly closing: Uint8Array;
  readonly closingAt: Float64Array;
  readonly macHi: Uint32Array;
  readonly macLo: Uint32Array;
  readonly macSet: Uint8Array;
  readonly seq: Float64Array;
  /** 1 when an alert was raised on one of the flow's packets (for storing alerted flows only). */
  readonly alerted: Uint8Array;

  private readonly key = new Uint32Array(9);
  private readonly tmp = new Uint32Array(4);
  private nextSweep = -Infinity;

  constructor(capacity: number, timeouts: FlowTimeouts) {
    if ((capacity & (capacity - 1)) !== 0) throw new RangeError('flow capacity must be a power of two');
    this.capacity = capacity;
    this.maxFlows = (capacity * 3) >>> 2;
    this.timeouts = timeouts;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity).fill(-1);
    const n = this.maxFlows;
    this.free = new Int32Array(n);
    this.addrs = new Uint32Array(n * 8);
    this.ports = new Uint32Array(n);
    this.proto = new Uint8Array(n);
    this.hash = new Uint32Array(n);
    this.used = new Uint8Array(n);
    this.origIsLo = new Uint8Array(n);
    this.oneWay = new Uint8Array(n);
    this.first = new Float64Array(n);
    this.last = new Float64Array(n);
    this.pkts = new Float64Array(n * 2);
    this.bytes = new Float64Array(n * 2);
    this.flags = new Uint16Array(n * 2);
    this.hist = new Uint8Array(n * 2);
    this.closing = new Uint8Array(n);
    this.closingAt = new Float64Array(n);
    this.macHi = new Uint32Array(n * 2);
    this.macLo = new Uint32Array(n * 2);
    this.macSet = new Uint8Array(n * 2);
    this.seq = new Float64Array(n);
    this.alerted = new Uint8Array(n);
  }

  /** Folds the packet into its flow (creating it); returns its record, or -1 when the packet has no flow (non-IP, later fragments). */
  update(rec: PacketRecord, t: number): number {
    this.lastSlot = -1;
    this.lastIsNew = false;
    this.lastEstablished = false;
    this.lastNextHopChanged = false;
    if (t >= this.nextSweep || t < this.nextSweep - 2) this.sweep(t);
    if ((rec.l3 !== L3_IPV4 && rec.l3 !== L3_IPV6) || rec.fragment === FRAG_LATER) return -1;
    if (rec.status === DecodeStatus.MalformedIp || rec.status === DecodeStatus.TruncatedIp) return -1;
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

    let s = this.find(k, proto, h);
    let isNew = false;
    if (s < 0) {
      if (this.count >= this.maxFlows) this.evictNear(h, t);
      s = this.insertAt(k, proto, h);
      isNew = true;
      this.origIsLo[s] = fromLo ? 1 : 0;
      // A SYN-ACK first means the SYN was missed: its sender is the responder.
      if (proto === IPPROTO_TCP && (rec.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) this.origIsLo[s] = fromLo ? 0 : 1;
      this.oneWay[s] = oneWay;
      this.first[s] = t;
      this.last[s] = t;
      this.seq[s] = ++this.created;
      this.count++;
    }
    const fromOrig = (this.origIsLo[s] === 1) === fromLo;
    const d = s * 2 + (fromOrig ? 0 : 1);
    if (t > this.last[s]) this.last[s] = t;
    this.pkts[d]++;
    this.bytes[d] += rec.wireLen;
    if (proto === IPPROTO_TCP) {
      const f = rec.tcpFlags;
      this.flags[d] |= f;
      let hb = 0;
      if ((f & TCP_SYN) !== 0) hb |= (f & TCP_ACK) !== 0 ? H_SYNACK : H_SYN;
      if ((f & TCP_FIN) !== 0) hb |= H_FIN;
      if ((f & TCP_RST) !== 0) hb |= H_RST;
      if (rec.payloadLength > 0) hb |= H_DATA;
      else if (f === TCP_ACK) hb |= H_ACK;
      // The originator's first ACK (with or without data) after the responder's SYN-ACK completes the handshake.
      if (fromOrig && (f & (TCP_SYN | TCP_ACK | TCP_RST)) === TCP_ACK && (this.hist[s * 2 + 1] & H_SYNACK) !== 0 &&
        (this.hist[d] & (H_ACK | H_DATA)) === 0) {
        this.lastEstablished = true;
      }
      this.hist[d] |= hb;
      if (this.closing[s] === 0) {
        if ((hb & H_RST) !== 0) { this.closing[s] = 2; this.closingAt[s] = t; }
        else if ((this.hist[s * 2] & H_FIN) !== 0 && (this.hist[s * 2 + 1] & H_FIN) !== 0) { this.closing[s] = 1; this.closingAt[s] = t; }
      }
    } else if (rec.payloadLength > 0) {
      this.hist[d] |= H_DATA;
    }
    // Next hop: the destination MAC of the originator's packets, the source MAC of the responder's.
    const mo = rec.macSrcOffset;
    if (mo >= 0) {
      const b = rec.data;
      const p = fromOrig ? mo - 6 : mo;
      const hi = (b[p] << 8) | b[p + 1];
      const lo = ((b[p + 2] << 24) | (b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5]) >>> 0;
      if (this.macSet[d] === 0) {
        this.macSet[d] = 1; this.macHi[d] = hi; this.macLo[d] = lo;
      } else if (this.macHi[d] !== hi || this.macLo[d] !== lo) {
        this.lastNextHopChanged = true;
        this.lastPrevMacHi = this.macHi[d];
        this.lastPrevMacLo = this.macLo[d];
        this.macHi[d] = hi; this.macLo[d] = lo;
      }
    }
    this.lastSlot = s;
    this.lastFromOrig = fromOrig;
    this.lastIsNew = isNew;
    return s;
  }

  /** The record holding the key, or -1. */
  private find(k: Uint32Array, proto: number, h: number): number {
    const slots = this.slots;
    for (let i = 0; i <= this.mask; i++) {
      const s = slots[(h + i) & this.mask];
      if (s < 0) return -1;
      if (this.hash[s] !== h || this.proto[s] !== proto || this.ports[s] !== k[8]) continue;
      const o = s * 8;
      const a = this.addrs;
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
    this.used[s] = 1;
    this.hash[s] = h;
    this.proto[s] = proto;
    this.ports[s] = k[8];
    const o = s * 8;
    for (let i = 0; i < 8; i++) this.addrs[o + i] = k[i];
    const d = s * 2;
    this.pkts[d] = 0; this.pkts[d + 1] = 0;
    this.bytes[d] = 0; this.bytes[d + 1] = 0;
    this.flags[d] = 0; this.flags[d + 1] = 0;
    this.hist[d] = 0; this.hist[d + 1] = 0;
    this.macSet[d] = 0; this.macSet[d + 1] = 0;
    this.closing[s] = 0;
    this.alerted[s] = 0;
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
      if (victim < 0 || this.last[s] < this.last[slots[victim]]) victim = i;
    }
    if (victim < 0) {
      for (let i = 0; i < this.capacity; i++) if (slots[i] >= 0) { victim = i; break; }
    }
    this.evictions++;
    this.close(victim, CloseReason.Eviction);
  }

  /** Closes flows whose time is up; runs at most once per second of packet time. */
  sweep(t: number): void {
    this.nextSweep = Math.floor(t) + 1;
    const to = this.timeouts;
    const slots = this.slots;
    for (let i = 0; i < this.capacity; i++) {
      for (let s = slots[i]; s >= 0; s = slots[i]) {
        const idle = t - this.last[s];
        let reason = -1;
        if (this.closing[s] !== 0 && t - this.closingAt[s] >= to.tcpClosed) {
          reason = this.closing[s] === 2 ? CloseReason.Rst : CloseReason.Fin;
        } else if (t - this.first[s] >= to.active) {
          reason = CloseReason.ActiveTimeout;
        } else {
          const p = this.proto[s];
          let limit: number;
          if (p === IPPROTO_TCP) {
            const established = (this.hist[s * 2 + 1] & H_SYNACK) !== 0 || (this.hist[s * 2] & H_DATA) !== 0;
            limit = established ? to.tcpEstablished : to.tcpAttempt;
          } else if (p === IPPROTO_UDP) limit = to.udp;
          else if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) limit = to.icmp;
          else limit = to.other;
          if (idle >= limit) reason = CloseReason.IdleTimeout;
        }
        if (reason < 0) break;
        this.close(i, reason as CloseReason);
        // close() shifted a later entry into slot i: look at it too.
      }
    }
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
    this.used[s] = 0;
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
      const home = this.hash[s] & this.mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (between) continue;
      slots[hole] = s;
      hole = j;
    }
    slots[hole] = -1;
  }

  /** The record in hash slot i (0..capacity), or -1: passes over the table in this order see flows as sweep() does. */
  recordAt(i: number): number { return this.slots[i]; }

  isUsed(s: number): boolean { return this.used[s] !== 0; }

  /** Records handed out so far: every live flow's record is below this. */
  get recordsHandedOut(): number { return this.fresh; }

  /** Offsets in `addrs` of the originator's and responder's addresses. */
  origAddrOffset(s: number): number { return s * 8 + (this.origIsLo[s] === 1 ? 0 : 4); }
  respAddrOffset(s: number): number { return s * 8 + (this.origIsLo[s] === 1 ? 4 : 0); }
  origPort(s: number): number { return this.origIsLo[s] === 1 ? this.ports[s] >>> 16 : this.ports[s] & 0xffff; }
  respPort(s: number): number { return this.origIsLo[s] === 1 ? this.ports[s] & 0xffff : this.ports[s] >>> 16; }

  /** A TCP handshake that completed, or any other flow that got an answer. */
  completed(s: number): boolean {
    const o = this.hist[s * 2];
    const r = this.hist[s * 2 + 1];
    if (this.proto[s] !== IPPROTO_TCP) return this.pkts[s * 2] > 0 && this.pkts[s * 2 + 1] > 0;
    return (r & H_SYNACK) !== 0 && (o & (H_ACK | H_DATA)) !== 0;
  }

  /** Zeek's conn_state from the two histories. */
  connState(s: number): string {
    const p = this.proto[s];
    const o = this.hist[s * 2];
    const r = this.hist[s * 2 + 1];
    const rp = this.pkts[s * 2 + 1];
    if (p !== IPPROTO_TCP) return rp > 0 ? (this.pkts[s * 2] > 0 ? 'SF' : 'SHR') : 'S0';
    const oSyn = (o & H_SYN) !== 0;
    const rSynAck = (r & H_SYNACK) !== 0;
    if (oSyn && !rSynAck) {
      if ((r & H_RST) !== 0) return 'REJ';
      if ((o & H_RST) !== 0) return 'RSTOS0';
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
    return communityId(this.addrs, this.origAddrOffset(s), this.respAddrOffset(s), this.proto[s],
      this.origPort(s), this.respPort(s), this.oneWay[s] === 1, seed);
  }

  /** Bytes of typed arrays held. */
  get memoryBytes(): number {
    let n = 0;
    for (const a of [this.slots, this.free, this.addrs, this.ports, this.proto, this.hash, this.used, this.origIsLo, this.oneWay, this.first, this.last,
      this.pkts, this.bytes, this.flags, this.hist, this.closing, this.closingAt, this.macHi, this.macLo, this.macSet, this.seq, this.alerted]) n += a.byteLength;
    return n;
  }
}
