// Running totals of what passed: packets and bytes per protocol, per decode outcome, over time, and top talkers.

import { DECODE_STATUS_COUNT, DecodeStatus } from '../decode/decode-status.js';
import { L3_ARP, L3_IPV4, L3_IPV6, type PacketRecord } from '../decode/packet-record.js';
import { TopTalkers } from './top-talkers.js';

/** Protocol slots: 0..255 are IP protocols, then ARP, then non-IP frames, then frames not decoded. */
export const SLOT_ARP = 256;
export const SLOT_NON_IP = 257;
export const SLOT_UNDECODED = 258;
const SLOTS = 259;

/** Per-second buckets cover the first hour of packet time; per-minute buckets cover 70 days. */
const SECOND_BUCKETS = 3600;
const MINUTE_BUCKETS = 100800;

export class TrafficSummary {
  packets = 0;
  bytes = 0;
  ipv4 = 0;
  ipv6 = 0;
  firstSec = -1;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  /** Packets whose time runs backwards, or beyond the bucket range. */
  outOfRange = 0;
  readonly protoPackets = new Float64Array(SLOTS);
  readonly protoBytes = new Float64Array(SLOTS);
  readonly statusPackets = new Float64Array(DECODE_STATUS_COUNT);
  readonly secondPackets = new Float64Array(SECOND_BUCKETS);
  readonly secondBytes = new Float64Array(SECOND_BUCKETS);
  readonly minutePackets = new Float64Array(MINUTE_BUCKETS);
  readonly minuteBytes = new Float64Array(MINUTE_BUCKETS);
  readonly talkers: TopTalkers;

  constructor(talkerCapacity = 4096) {
    this.talkers = new TopTalkers(talkerCapacity);
  }

  add(rec: PacketRecord): void {
    const len = rec.wireLen;
    this.packets++;
    this.bytes += len;
    this.statusPackets[rec.status]++;
    if (this.firstSec < 0) {
      this.firstSec = rec.tsSec;
      this.firstNsec = rec.tsNsec;
    }
    if (rec.tsSec > this.lastSec || (rec.tsSec === this.lastSec && rec.tsNsec > this.lastNsec)) {
      this.lastSec = rec.tsSec;
      this.lastNsec = rec.tsNsec;
    }
    const rel = rec.tsSec - this.firstSec;
    if (rel >= 0 && rel < SECOND_BUCKETS) {
      this.secondPackets[rel]++;
      this.secondBytes[rel] += len;
    }
    const minute = Math.floor(rel / 60);
    if (minute >= 0 && minute < MINUTE_BUCKETS) {
      this.minutePackets[minute]++;
      this.minuteBytes[minute] += len;
    } else {
      this.outOfRange++;
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

  /** Seconds between the first and the last packet. */
  get durationSec(): number {
    if (this.firstSec < 0) return 0;
    return (this.lastSec - this.firstSec) + (this.lastNsec - this.firstNsec) / 1e9;
  }
}
