// Per-host feature windows for the model: tumbling windows of packet time (aligned to multiples of the
// window length), one row per host that sent or received IP traffic in the window. When packet time
// enters the next window every row is closed and handed to onWindow, in slot order (deterministic).
// Bounded: at most `capacity` hosts per window; hosts beyond that are counted and not tracked until the
// next window. The same code feeds training and scoring (docs/model.md lists the features).

import { AUTH_SERVICE_PORTS, FEATURE_COUNT, FEATURE_INDEX } from '../detect/feature-set.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type PacketRecord } from '../decode/packet-record.js';
import { hashWords, mix32, writeDst, writeSrc } from './address-key.js';
import { H_SYN, type FlowTable } from './flow-table.js';
import { linearCount, popcount32 } from './linear-count.js';

// Accumulators per slot.
const A_OUT_PKTS = 0;
const A_OUT_BYTES = 1;
const A_IN_PKTS = 2;
const A_IN_BYTES = 3;
const A_OUT_MAXLEN = 4;
const A_OUT_TCP = 5;
const A_OUT_SYN = 6;
const A_OUT_FIN = 7;
const A_OUT_RST = 8;
const A_IN_TCP = 9;
const A_IN_SYN = 10;
const A_IN_SYNACK = 11;
const A_IN_RST = 12;
const A_ICMP = 13;
const A_UDP = 14;
const A_TTL_SUM = 15;
const A_TTL_SQ = 16;
const A_OUT_WIN_SUM = 17;
const A_DNS_Q = 18;
const A_DNS_ENT = 19;
const A_DNS_LEN = 20;
const A_OUT_ICMP = 21;
const A_OUT_UDP = 22;
/** ICMP destination unreachable received (what a UDP scan of closed ports gets back). */
const A_IN_UNREACH = 23;
// Closed TCP connections the host opened (flow table records, counted when the flow closes).
const C_CONNS = 24;
const C_BYTES = 25;
const C_DUR = 26;
const C_LN_BYTES = 27;
const C_LN_BYTES_SQ = 28;
const C_LN_DUR = 29;
const C_LN_DUR_SQ = 30;
/** ln(bytes) of the host's last closed connection in the window, and how many closed within REPEAT_LN of the one before. */
const C_LAST_LN_BYTES = 31;
const C_REPEATS = 32;
/** SYN-ACKs sent (answers to SYNs received). */
const A_OUT_SYNACK = 33;
/** SYNs sent to an authentication service (AUTH_PORTS). */
const A_OUT_AUTH_SYN = 34;
const ACC = 35;

/**
 * A closed connection repeats the one before it in the window when their sizes differ by less than
 * this in ln(bytes) (a factor of 1.28): a guesser's tries differ by a few hundred bytes of a few KB.
 * Measured against 0.05, 0.1, 0.4 and 0.6 on five live recordings (docs/model.md).
 */
const REPEAT_LN = 0.25;

// Distinct-count bitmaps per slot (linear counting, 1024 bits each).
const B_DSTS = 0;
const B_DST_PORTS = 1;
const B_SRC_PORTS = 2;
const B_SRCS_IN = 3;
const B_PORTS_IN = 4;
const B_SERVICES = 5;
const BITMAPS = 6;
const BITMAP_WORDS = 32;
/** Bits in each distinct-count bitmap of a host's feature window (an explanation says when one was full). */
export const BITMAP_BITS = BITMAP_WORDS * 32;

const KEY_WORDS = 4;

/** Authentication services: the brute-force detector's default ports (fixed here: a model's features must not move with the config). */
const AUTH_PORTS = new Uint8Array(65536);
for (const p of AUTH_SERVICE_PORTS) AUTH_PORTS[p] = 1;

/** A closed window of one host: its address (4 words at key[keyOff]) and its raw feature row. */
export interface FeatureWindowListener {
  (key: Uint32Array, keyOff: number, start: number, row: Float64Array, slot: number): void;
}

export class HostFeatureTable {
  readonly windowSec: number;
  readonly phase: number;
  readonly capacity: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly acc: Float64Array;
  private readonly bits: Uint32Array;
  /** Set when an alert named the host during the window (training and refresh skip such windows). */
  readonly alerted: Uint8Array;
  /** Slots in use, in insertion order: closed in this order, and only these are cleared. */
  private readonly order: Int32Array;
  private count = 0;
  /** Start (seconds) of the open window, NaN before the first packet. */
  start = NaN;
  /** Hosts not tracked because the table was full, and windows closed. */
  untracked = 0;
  windowsClosed = 0;
  private readonly key = new Uint32Array(8);
  private readonly row = new Float64Array(FEATURE_COUNT);
  private readonly charCounts = new Int32Array(256);
  onWindow: FeatureWindowListener | null = null;

  /** phaseSec shifts the window grid (windows start at phaseSec + k * windowSec); training uses several phases. */
  constructor(windowSec: number, capacity: number, phaseSec = 0) {
    if (!(windowSec > 0)) throw new RangeError('windowSec must be positive');
    this.windowSec = windowSec;
    this.phase = phaseSec;
    this.capacity = capacity;
    let size = 1;
    while (size < capacity * 2) size <<= 1;
    this.mask = size - 1;
    this.keys = new Uint32Array(size * KEY_WORDS);
    this.used = new Uint8Array(size);
    this.acc = new Float64Array(size * ACC);
    this.bits = new Uint32Array(size * BITMAPS * BITMAP_WORDS);
    this.alerted = new Uint8Array(size);
    this.order = new Int32Array(capacity);
  }

  /** Hosts in the open window. */
  get size(): number { return this.count; }

  get memoryBytes(): number {
    return this.keys.byteLength + this.used.byteLength + this.acc.byteLength + this.bits.byteLength + this.alerted.byteLength + this.order.byteLength;
  }

  /** The host's slot, or -(empty slot + 1) where it would go. */
  private probe(key: Uint32Array, off: number): number {
    const k = this.keys;
    let i = hashWords(key, off, KEY_WORDS, 0x5eed) & this.mask;
    while (this.used[i] === 1) {
      const b = i * KEY_WORDS;
      if (k[b] === key[off] && k[b + 1] === key[off + 1] && k[b + 2] === key[off + 2] && k[b + 3] === key[off + 3]) return i;
      i = (i + 1) & this.mask;
    }
    return -(i + 1);
  }

  /** The slot of a host in the open window, or -1. */
  find(key: Uint32Array, off: number): number {
    const p = this.probe(key, off);
    return p >= 0 ? p : -1;
  }

  private slotFor(key: Uint32Array, off: number): number {
    const p = this.probe(key, off);
    if (p >= 0) return p;
    if (this.count >= this.capacity) { this.untracked++; return -1; }
    const i = -p - 1;
    this.used[i] = 1;
    const b = i * KEY_WORDS;
    const k = this.keys;
    k[b] = key[off]; k[b + 1] = key[off + 1]; k[b + 2] = key[off + 2]; k[b + 3] = key[off + 3];
    this.order[this.count++] = i;
    return i;
  }

  /** Counts a mixed hash (hashWords, mix32: not a raw port or address) into a bitmap: its low bits pick the bit. */
  private mark(slot: number, bitmap: number, h: number): void {
    const bit = h & (BITMAP_BITS - 1);
    this.bits[(slot * BITMAPS + bitmap) * BITMAP_WORDS + (bit >>> 5)] |= 1 << (bit & 31);
  }

  private distinct(slot: number, bitmap: number): number {
    const base = (slot * BITMAPS + bitmap) * BITMAP_WORDS;
    let set = 0;
    for (let w = 0; w < BITMAP_WORDS; w++) set += popcount32(this.bits[base + w]);
    return set === 0 ? 0 : linearCount(BITMAP_BITS, BITMAP_BITS - set);
  }

  /** Packet time t (seconds): closes the open window first when t has left it. */
  advance(t: number): void {
    const w = this.windowSec;
    const ph = this.phase;
    if (Number.isNaN(this.start)) { this.start = Math.floor((t - ph) / w) * w + ph; return; }
    // Later packets close the window; a step back of more than one window (a new file, a clock step) too.
    if (t >= this.start + w || t < this.start - w) {
      this.closeAll();
      this.start = Math.floor((t - ph) / w) * w + ph;
    }
  }

  /** Counts an IP packet (addresses, ports, flags) for its source and destination host. */
  update(rec: PacketRecord, t: number): void {
    this.advance(t);
    const key = this.key;
    writeSrc(key, 0, rec);
    writeDst(key, 4, rec);
    const s = this.slotFor(key, 0);
    const d = this.slotFor(key, 4);
    const a = this.acc;
    const len = rec.wireLen;
    const p = rec.ipProto;
    const peerOfSrc = hashWords(key, 4, KEY_WORDS, 0x9e37);
    const peerOfDst = hashWords(key, 0, KEY_WORDS, 0x9e37);
    if (s >= 0) {
      const b = s * ACC;
      a[b + A_OUT_PKTS]++;
      a[b + A_OUT_BYTES] += len;
      if (len > a[b + A_OUT_MAXLEN]) a[b + A_OUT_MAXLEN] = len;
      a[b + A_TTL_SUM] += rec.ttl;
      a[b + A_TTL_SQ] += rec.ttl * rec.ttl;
      this.mark(s, B_DSTS, peerOfSrc);
      if (rec.dstPort >= 0) this.mark(s, B_DST_PORTS, mix32(rec.dstPort + 1));
      if (rec.srcPort >= 0) this.mark(s, B_SRC_PORTS, mix32(rec.srcPort + 1));
      if (p === IPPROTO_TCP) {
        const f = rec.tcpFlags;
        a[b + A_OUT_TCP]++;
        a[b + A_OUT_WIN_SUM] += rec.tcpWindow;
        if ((f & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
          a[b + A_OUT_SYN]++;
          if (AUTH_PORTS[rec.dstPort] === 1) a[b + A_OUT_AUTH_SYN]++;
          this.mark(s, B_SERVICES, mix32(peerOfSrc ^ Math.imul(rec.dstPort + 1, 0x85ebca6b)));
        } else if ((f & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) {
          a[b + A_OUT_SYNACK]++;
        }
        if ((f & TCP_FIN) !== 0) a[b + A_OUT_FIN]++;
        if ((f & TCP_RST) !== 0) a[b + A_OUT_RST]++;
      } else if (p === IPPROTO_UDP) {
        a[b + A_UDP]++;
        a[b + A_OUT_UDP]++;
        if (rec.dnsQnameOffset >= 0 && !rec.dnsIsResponse) this.countQuery(b, rec);
      } else if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
        a[b + A_ICMP]++;
        a[b + A_OUT_ICMP]++;
      }
    }
    if (d >= 0) {
      const b = d * ACC;
      a[b + A_IN_PKTS]++;
      a[b + A_IN_BYTES] += len;
      this.mark(d, B_SRCS_IN, peerOfDst);
      if (rec.dstPort >= 0) this.mark(d, B_PORTS_IN, mix32(rec.dstPort + 1));
      if (p === IPPROTO_TCP) {
        const f = rec.tcpFlags;
        a[b + A_IN_TCP]++;
        if ((f & (TCP_SYN | TCP_ACK)) === TCP_SYN) a[b + A_IN_SYN]++;
        else if ((f & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) a[b + A_IN_SYNACK]++;
        if ((f & TCP_RST) !== 0) a[b + A_IN_RST]++;
      } else if (p === IPPROTO_UDP) {
        a[b + A_UDP]++;
      } else if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
        a[b + A_ICMP]++;
        if (rec.icmpType === (p === IPPROTO_ICMP ? 3 : 1)) a[b + A_IN_UNREACH]++;
      }
    }
  }

  /**
   * Flow record f closed at packet time t (FlowTable.lastClosing: the second FIN of the exchange, or a
   * RST): a TCP connection whose opening SYN was seen counts for its originator's window, with its bytes
   * (frame bytes, both ways) and its duration so far (first packet to t), like a conn.log record.
   */
  connectionClosed(flows: FlowTable, f: number, t: number): void {
    if (flows.proto(f) !== IPPROTO_TCP || (flows.history(f, 0) & H_SYN) === 0) return;
    this.advance(t);
    // The closing packet was counted by update() first, which gave its hosts their slots if there was
    // room: find, so a host the full table refused is not counted as untracked twice.
    const s = this.find(flows.addrs, flows.origAddrOffset(f));
    if (s < 0) return;
    const a = this.acc;
    const b = s * ACC;
    const bytes = flows.bytes(f, 0) + flows.bytes(f, 1);
    const dur = Math.max(0, t - flows.firstSeen(f));
    const lb = Math.log(Math.max(1, bytes));
    const ld = Math.log1p(dur);
    if (a[b + C_CONNS] > 0 && Math.abs(lb - a[b + C_LAST_LN_BYTES]) < REPEAT_LN) a[b + C_REPEATS]++;
    a[b + C_LAST_LN_BYTES] = lb;
    a[b + C_CONNS]++;
    a[b + C_BYTES] += bytes;
    a[b + C_DUR] += dur;
    a[b + C_LN_BYTES] += lb;
    a[b + C_LN_BYTES_SQ] += lb * lb;
    a[b + C_LN_DUR] += ld;
    a[b + C_LN_DUR_SQ] += ld * ld;
  }

  /** A DNS query: its name's length and Shannon entropy (bits per character), read in place. */
  private countQuery(b: number, rec: PacketRecord): void {
    const d = rec.data;
    const counts = this.charCounts;
    counts.fill(0);
    let p = rec.dnsQnameOffset;
    let n = 0;
    for (let hops = 0; hops < 17 && p < d.length;) {
      const len = d[p];
      if (len === 0) break;
      if ((len & 0xc0) === 0xc0) { p = rec.dnsOffset + (((len & 0x3f) << 8) | d[p + 1]); hops++; continue; }
      const end = Math.min(p + 1 + len, d.length);
      for (let i = p + 1; i < end; i++) { let c = d[i]; if (c >= 0x41 && c <= 0x5a) c |= 0x20; counts[c]++; n++; }
      p = end;
    }
    let h = 0;
    if (n > 0) for (let c = 0; c < 256; c++) { const k = counts[c]; if (k > 0) { const q = k / n; h -= q * Math.log2(q); } }
    const a = this.acc;
    a[b + A_DNS_Q]++;
    a[b + A_DNS_ENT] += h;
    a[b + A_DNS_LEN] += n;
  }

  /** Marks a host's open window as alerted (it then feeds neither training nor refresh). */
  markAlerted(key: Uint32Array, off: number): void {
    const s = this.find(key, off);
    if (s >= 0) this.alerted[s] = 1;
  }

  /** Fills the feature row of a slot (positions as in FEATURES). */
  private fill(slot: number): Float64Array {
    const a = this.acc;
    const b = slot * ACC;
    const r = this.row;
    const F = FEATURE_INDEX;
    const outP = a[b + A_OUT_PKTS];
    const inP = a[b + A_IN_PKTS];
    const dsts = this.distinct(slot, B_DSTS);
    const dports = this.distinct(slot, B_DST_PORTS);
    const outTcp = a[b + A_OUT_TCP];
    const inTcp = a[b + A_IN_TCP];
    const syn = a[b + A_OUT_SYN];
    const q = a[b + A_DNS_Q];
    r[F.packets_out] = outP;
    r[F.bytes_out] = a[b + A_OUT_BYTES];
    r[F.packets_in] = inP;
    r[F.bytes_in] = a[b + A_IN_BYTES];
    r[F.unique_dsts] = dsts;
    r[F.unique_dst_ports] = dports;
    r[F.unique_src_ports] = this.distinct(slot, B_SRC_PORTS);
    r[F.unique_srcs_in] = this.distinct(slot, B_SRCS_IN);
    r[F.unique_ports_in] = this.distinct(slot, B_PORTS_IN);
    r[F.mean_pkt_len_out] = outP > 0 ? a[b + A_OUT_BYTES] / outP : 0;
    r[F.max_pkt_len_out] = a[b + A_OUT_MAXLEN];
    r[F.port_ratio] = dsts > 0 ? dports / dsts : 0;
    r[F.pkts_per_dst] = dsts > 0 ? outP / dsts : 0;
    r[F.syn_ratio_out] = outTcp > 0 ? syn / outTcp : 0;
    r[F.fin_ratio_out] = outTcp > 0 ? a[b + A_OUT_FIN] / outTcp : 0;
    r[F.rst_ratio_out] = outTcp > 0 ? a[b + A_OUT_RST] / outTcp : 0;
    r[F.failed_conn_ratio] = syn > 0 ? Math.max(0, syn - a[b + A_IN_SYNACK]) / syn : 0;
    r[F.syn_ratio_in] = inTcp > 0 ? a[b + A_IN_SYN] / inTcp : 0;
    r[F.rst_ratio_in] = inTcp > 0 ? a[b + A_IN_RST] / inTcp : 0;
    const total = outP + inP;
    r[F.icmp_share] = total > 0 ? a[b + A_ICMP] / total : 0;
    r[F.udp_share] = total > 0 ? a[b + A_UDP] / total : 0;
    const ttlMean = outP > 0 ? a[b + A_TTL_SUM] / outP : 0;
    r[F.ttl_mean_out] = ttlMean;
    r[F.ttl_std_out] = outP > 1 ? Math.sqrt(Math.max(0, a[b + A_TTL_SQ] / outP - ttlMean * ttlMean)) : 0;
    r[F.tcp_window_mean_out] = outTcp > 0 ? a[b + A_OUT_WIN_SUM] / outTcp : 0;
    r[F.dns_queries] = q;
    r[F.dns_name_entropy] = q > 0 ? a[b + A_DNS_ENT] / q : 0;
    r[F.dns_name_len] = q > 0 ? a[b + A_DNS_LEN] / q : 0;
    const services = this.distinct(slot, B_SERVICES);
    r[F.conns_out] = syn;
    r[F.conns_per_service] = services > 0 ? syn / services : 0;
    r[F.pkts_per_conn_out] = syn > 0 ? outP / syn : 0;
    r[F.icmp_out] = a[b + A_OUT_ICMP];
    r[F.udp_out] = a[b + A_OUT_UDP];
    r[F.failed_conns] = Math.max(0, syn - a[b + A_IN_SYNACK]);
    r[F.rst_in] = a[b + A_IN_RST];
    r[F.unreach_in] = a[b + A_IN_UNREACH];
    r[F.unanswered_syns_in] = Math.max(0, a[b + A_IN_SYN] - a[b + A_OUT_SYNACK] - a[b + A_OUT_RST]);
    r[F.unsolicited_synacks_in] = Math.max(0, a[b + A_IN_SYNACK] - syn);
    r[F.auth_conns_out] = a[b + A_OUT_AUTH_SYN];
    const n = a[b + C_CONNS];
    r[F.closed_conns] = n;
    r[F.repeat_conns] = a[b + C_REPEATS];
    r[F.conn_bytes_mean] = n > 0 ? a[b + C_BYTES] / n : 0;
    r[F.conn_dur_mean] = n > 0 ? a[b + C_DUR] / n : 0;
    const mb = n > 0 ? a[b + C_LN_BYTES] / n : 0;
    const md = n > 0 ? a[b + C_LN_DUR] / n : 0;
    r[F.conn_bytes_spread] = n > 1 ? Math.sqrt(Math.max(0, a[b + C_LN_BYTES_SQ] / n - mb * mb)) : 0;
    r[F.conn_dur_spread] = n > 1 ? Math.sqrt(Math.max(0, a[b + C_LN_DUR_SQ] / n - md * md)) : 0;
    return r;
  }

  /** Closes the open window: every host's row goes to onWindow, then the table is emptied. */
  closeAll(): void {
    const cb = this.onWindow;
    for (let i = 0; i < this.count; i++) {
      const s = this.order[i];
      if (cb !== null) cb(this.keys, s * KEY_WORDS, this.start, this.fill(s), s);
      this.windowsClosed++;
    }
    for (let i = 0; i < this.count; i++) {
      const s = this.order[i];
      this.used[s] = 0;
      this.alerted[s] = 0;
      this.acc.fill(0, s * ACC, (s + 1) * ACC);
      this.bits.fill(0, s * BITMAPS * BITMAP_WORDS, (s + 1) * BITMAPS * BITMAP_WORDS);
    }
    this.count = 0;
  }

  /** Packets counted for a slot's host in the open window (sent plus received). */
  packets(slot: number): number {
    return this.acc[slot * ACC + A_OUT_PKTS] + this.acc[slot * ACC + A_IN_PKTS];
  }
}
