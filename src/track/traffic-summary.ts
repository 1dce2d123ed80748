// Running totals of what passed: packets and bytes per protocol, per decode outcome, over time, and top talkers.

import { DECODE_STATUS_COUNT, DecodeStatus } from '../decode/decode-status.js';
import { L3_ARP, L3_IPV4, L3_IPV6, TUNNEL_NAMES, type PacketRecord } from '../decode/packet-record.js';
import { TopTalkers } from './top-talkers.js';

/** Protocol slots: 0..255 are IP protocols, then ARP, then non-IP frames, then frames not decoded. */
export const SLOT_ARP = 256;
export const SLOT_NON_IP = 257;
export const SLOT_UNDECODED = 258;
const SLOTS = 259;

/**
 * Volume over time in packet time. Per-second buckets cover from SECOND_LEAD seconds before the first
 * packet to an hour after; per-minute buckets, aligned to whole minutes, cover 70 days from the first
 * packet's minute. A packet outside (a capture whose clock jumps, files given out of time order) goes
 * to a table of its own minutes, so the volume still counts every packet.
 */
export const SECOND_BUCKETS = 3600;
export const SECOND_LEAD = 120;
export const MINUTE_BUCKETS = 100800;
/** Minutes outside the main range that get a bucket; packets beyond are counted in `unbucketed`. */
const OUTLIER_MINUTES = 100800;

export class TrafficSummary {
  packets = 0;
  bytes = 0;
  ipv4 = 0;
  ipv6 = 0;
  /** The first packet read: the origin of the buckets. */
  firstSec = -1;
  firstNsec = 0;
  /** The earliest and the latest packet time (files may be out of order, clocks may jump). */
  earliestSec = 0;
  earliestNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  /** Whole minute of the first packet (minute buckets are aligned to it). */
  originMinute = 0;
  /** Packets outside the per-second range (per-second volume is then not shown). */
  outsideSeconds = 0;
  /** Packets outside the minute range, bucketed in `outlierMinutes` by absolute minute. */
  outOfRange = 0;
  /** Packets whose minute found no room in outlierMinutes either (not in the volume table). */
  unbucketed = 0;
  readonly protoPackets = new Float64Array(SLOTS);
  readonly protoBytes = new Float64Array(SLOTS);
  readonly statusPackets = new Float64Array(DECODE_STATUS_COUNT);
  /** Tunnelled packets by their outermost tunnel's kind (they count under their inner packet's protocol). */
  readonly tunnelPackets = new Float64Array(TUNNEL_NAMES.length);
  readonly secondPackets = new Float64Array(SECOND_BUCKETS);
  readonly secondBytes = new Float64Array(SECOND_BUCKETS);
  readonly minutePackets = new Float64Array(MINUTE_BUCKETS);
  readonly minuteBytes = new Float64Array(MINUTE_BUCKETS);
  /** Absolute minute -> [packets, bytes] for packets outside the minute range. */
  readonly outlierMinutes = new Map<number, Float64Array>();
  private lastOutlierMinute = NaN;
  private lastOutlier: Float64Array | null = null;
  readonly talkers: TopTalkers;

  constructor(talkerCapacity = 4096) {
    this.talkers = new TopTalkers(talkerCapacity);
  }

  add(rec: PacketRecord): void {
    const len = rec.wireLen;
    const sec = rec.tsSec;
    this.packets++;
    this.bytes += len;
    this.statusPackets[rec.status]++;
    if (rec.tunnelDepth > 0) this.tunnelPackets[rec.tunnel]++;
    if (this.firstSec < 0) {
      this.firstSec = sec;
      this.firstNsec = rec.tsNsec;
      this.earliestSec = sec;
      this.earliestNsec = rec.tsNsec;
      this.lastSec = sec;
      this.lastNsec = rec.tsNsec;
      this.originMinute = Math.floor(sec / 60);
    }
    if (sec > this.lastSec || (sec === this.lastSec && rec.tsNsec > this.lastNsec)) {
      this.lastSec = sec;
      this.lastNsec = rec.tsNsec;
    } else if (sec < this.earliestSec || (sec === this.earliestSec && rec.tsNsec < this.earliestNsec)) {
      this.earliestSec = sec;
      this.earliestNsec = rec.tsNsec;
    }
    const rel = sec - this.firstSec + SECOND_LEAD;
    if (rel >= 0 && rel < SECOND_BUCKETS) {
      this.secondPackets[rel]++;
      this.secondBytes[rel] += len;
    } else {
      this.outsideSeconds++;
    }
    const absMinute = Math.floor(sec / 60);
    const minute = absMinute - this.originMinute;
    if (minute >= 0 && minute < MINUTE_BUCKETS) {
      this.minutePackets[minute]++;
      this.minuteBytes[minute] += len;
    } else {
      this.outOfRange++;
      this.addOutlier(absMinute, len);
    }

    let slot: number;
    if (rec.l3 === L3_IPV4) {
      slot = rec.ipProto;
      this.ipv4++;
      this.talkers.addIpv4(rec.src4, len);
    } else if (rec.l3 === L3_IPV6) {
      slot = rec.ipProto;
      this.ipv6++;
      this.talkers.addIpv6(rec.src6, len);
    } else if (rec.l3 === L3_ARP) {
      slot = SLOT_ARP;
    } else {
      slot = rec.status === DecodeStatus.NonIp ? SLOT_NON_IP : SLOT_UNDECODED;
    }
    if (slot < 0) slot = SLOT_UNDECODED;
    this.protoPackets[slot]++;
    this.protoBytes[slot] += len;
  }

  /** Seconds between the earliest and the latest packet. */
  get durationSec(): number {
    if (this.firstSec < 0) return 0;
    return (this.lastSec - this.earliestSec) + (this.lastNsec - this.earliestNsec) / 1e9;
  }

  /** Runs of packets far from the first one share a minute: the last entry is kept at hand. */
  private addOutlier(absMinute: number, len: number): void {
    let e = absMinute === this.lastOutlierMinute ? this.lastOutlier : this.outlierMinutes.get(absMinute);
    if (e === undefined || e === null) {
      if (this.outlierMinutes.size >= OUTLIER_MINUTES) { this.unbucketed++; return; }
      e = new Float64Array(2);
      this.outlierMinutes.set(absMinute, e);
    }
    this.lastOutlierMinute = absMinute;
    this.lastOutlier = e;
    e[0]++;
    e[1] += len;
  }
}
