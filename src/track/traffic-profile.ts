// The shape of one capture's traffic for a report: volume over time in buckets that widen as the capture
// grows (at most MAX_BUCKETS, so a long file needs no more memory than a short one), the protocol split,
// the busiest senders and receivers and the services most connected to. Bounded tables throughout.

import type { PacketRecord } from '../decode/packet-record.js';
import { isIpPacket, PC_ARP, PC_ICMP, PC_OTHER, PC_TCP, PC_UDP, protocolColumn, PROTOCOL_COLUMNS } from './protocol-column.js';
import type { TrafficCounts } from './minute-stats.js';
import { TrafficTops } from './traffic-tops.js';

const MAX_BUCKETS = 720;
/** Columns per bucket: packets, bytes, then packets by protocolColumn() (tcp, udp, icmp, arp, other). */
const COLS = 2 + PROTOCOL_COLUMNS;

export interface TimelinePoint extends TrafficCounts {
  /** Bucket start, epoch seconds. */
  t: number;
}

export class TrafficProfile {
  /** Senders, receivers, services and source ports over the whole capture. */
  readonly tops = new TrafficTops();
  /** Bucket width in seconds: 1, doubled whenever the capture outgrows MAX_BUCKETS buckets. */
  bucketSec = 1;
  /** Start of the first bucket, epoch seconds (NaN before the first packet; may go back before 1970). */
  private origin = NaN;
  private used = 0;
  /** Packet time of the earliest and the latest packet, epoch seconds with the fraction (the report's header). */
  firstT = Infinity;
  lastT = -Infinity;
  private readonly buckets = new Float64Array(MAX_BUCKETS * COLS);

  add(rec: PacketRecord, newFlow: boolean): void {
    const sec = rec.tsSec;
    const t = sec + rec.tsNsec / 1e9;
    if (t < this.firstT) this.firstT = t;
    if (t > this.lastT) this.lastT = t;
    if (Number.isNaN(this.origin)) this.origin = sec;
    // A packet from before the first one (files out of time order) moves the origin back.
    if (sec < this.origin) this.extendBack(sec);
    let b = Math.floor((sec - this.origin) / this.bucketSec);
    while (b >= MAX_BUCKETS) {
      this.widen();
      b = Math.floor((sec - this.origin) / this.bucketSec);
    }
    if (b >= this.used) this.used = b + 1;
    const o = b * COLS;
    const k = this.buckets;
    k[o]++;
    k[o + 1] += rec.wireLen;
    k[o + 2 + protocolColumn(rec)]++;
    if (!isIpPacket(rec)) return;
    this.tops.add(rec, newFlow);
  }

  /** Moves the origin back by whole buckets to cover sec, widening the buckets until all fit. */
  private extendBack(sec: number): void {
    let k = Math.ceil((this.origin - sec) / this.bucketSec);
    while (this.used + k > MAX_BUCKETS) {
      this.widen();
      k = Math.ceil((this.origin - sec) / this.bucketSec);
    }
    this.buckets.copyWithin(k * COLS, 0, this.used * COLS);
    this.buckets.fill(0, 0, k * COLS);
    this.origin -= k * this.bucketSec;
    this.used += k;
  }

  /** Doubles the bucket width, folding each pair of buckets into one. */
  private widen(): void {
    const k = this.buckets;
    const half = Math.ceil(this.used / 2);
    for (let i = 0; i < half; i++) {
      for (let c = 0; c < COLS; c++) {
        const a = (2 * i) * COLS + c;
        const b = (2 * i + 1) * COLS + c;
        k[i * COLS + c] = k[a] + (2 * i + 1 < this.used ? k[b] : 0);
      }
    }
    k.fill(0, half * COLS);
    this.used = half;
    this.bucketSec *= 2;
  }

  timeline(): TimelinePoint[] {
    const out: TimelinePoint[] = [];
    const k = this.buckets;
    for (let i = 0; i < this.used; i++) {
      const o = i * COLS;
      out.push({ t: this.origin + i * this.bucketSec, packets: k[o], bytes: k[o + 1], tcp: k[o + 2 + PC_TCP], udp: k[o + 2 + PC_UDP], icmp: k[o + 2 + PC_ICMP],
        arp: k[o + 2 + PC_ARP], other: k[o + 2 + PC_OTHER] });
    }
    return out;
  }
}
