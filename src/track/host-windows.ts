// Per-source and per-destination statistics over sliding windows of packet time at 1 s, 10 s and 60 s:
// packets, bytes, SYN/SYN-ACK/RST, ICMP, UDP, DNS, new/failed/completed connections, distinct peers and ports.

import { FRAG_LATER, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN, type PacketRecord } from '../decode/packet-record.js';
import { writeDst, writeSrc } from './address-key.js';
import { WindowTable } from './window-table.js';

export const HF_PKTS = 0;
export const HF_BYTES = 1;
export const HF_SYN = 2;
export const HF_SYNACK = 3;
export const HF_RST = 4;
export const HF_ICMP = 5;
export const HF_ECHO_REQ = 6;
export const HF_UDP = 7;
export const HF_DNS_QUERIES = 8;
export const HF_NEW_FLOWS = 9;
export const HF_FAILED = 10;
export const HF_COMPLETED = 11;
export const HF_FRAGMENTS = 12;
export const HF_REFLECTED = 13;
export const HF_ESTABLISHED = 14;
const FIELDS = 15;

export const HB_PEERS = 0;
export const HB_PORTS = 1;
export const HB_REFLECTORS = 2;

export const SCALE_1S = 0;
export const SCALE_10S = 1;
export const SCALE_60S = 2;
export const HOST_SCALES = [1, 10, 60];

export class HostWindows {
  readonly bySrc: WindowTable;
  readonly byDst: WindowTable;
  /** Slots of the current packet's source and destination. */
  srcSlot = -1;
  dstSlot = -1;
  readonly key = new Uint32Array(8);
  private readonly reflectorPorts: Uint8Array;

  constructor(capacity: number, reflectorPorts: readonly number[]) {
    const opts = { capacity, keyWords: 4, fields: FIELDS, scales: HOST_SCALES, bitmaps: 3, bitmapBits: 256 };
    this.bySrc = new WindowTable(opts);
    this.byDst = new WindowTable(opts);
    this.reflectorPorts = new Uint8Array(65536);
    for (const p of reflectorPorts) this.reflectorPorts[p] = 1;
  }

  isReflectorPort(p: number): boolean {
    return p >= 0 && this.reflectorPorts[p] === 1;
  }

  /** Counts an IP packet for its source and its destination. */
  update(rec: PacketRecord, t: number, newFlow: boolean): void {
    const k = this.key;
    writeSrc(k, 0, rec);
    writeDst(k, 4, rec);
    const s = this.bySrc.touch(k, 0, t);
    const d = this.byDst.touch(k, 4, t);
    this.srcSlot = s;
    this.dstSlot = d;
    const S = this.bySrc;
    const D = this.byDst;
    const len = rec.wireLen;
    S.add(s, HF_PKTS, 1); S.add(s, HF_BYTES, len);
    D.add(d, HF_PKTS, 1); D.add(d, HF_BYTES, len);
    // Peers: hash of the other side's address; ports: the destination port.
    const peerOfSrc = k[7] ^ Math.imul(k[6], 0x9e3779b1) ^ Math.imul(k[4], 0x85ebca6b);
    const peerOfDst = k[3] ^ Math.imul(k[2], 0x9e3779b1) ^ Math.imul(k[0], 0x85ebca6b);
    S.mark(s, HB_PEERS, Math.imul(peerOfSrc, 0x2c1b3c6d) >>> 7);
    D.mark(d, HB_PEERS, Math.imul(peerOfDst, 0x2c1b3c6d) >>> 7);
    if (newFlow) { S.add(s, HF_NEW_FLOWS, 1); D.add(d, HF_NEW_FLOWS, 1); }
    if (rec.fragment === FRAG_LATER) {
      D.add(d, HF_FRAGMENTS, 1);
      return;
    }
    if (rec.dstPort >= 0) {
      const ph = Math.imul(rec.dstPort + 1, 0x9e3779b1) >>> 9;
      S.mark(s, HB_PORTS, ph);
      D.mark(d, HB_PORTS, ph);
    }
    const p = rec.ipProto;
    if (p === IPPROTO_TCP) {
      const f = rec.tcpFlags;
      if ((f & TCP_SYN) !== 0) {
        if ((f & TCP_ACK) !== 0) { S.add(s, HF_SYNACK, 1); D.add(d, HF_SYNACK, 1); } else { S.add(s, HF_SYN, 1); D.add(d, HF_SYN, 1); }
      }
      if ((f & TCP_RST) !== 0) { S.add(s, HF_RST, 1); D.add(d, HF_RST, 1); }
    } else if (p === IPPROTO_UDP) {
      S.add(s, HF_UDP, 1); D.add(d, HF_UDP, 1);
      if (rec.dnsQnameOffset >= 0 && !rec.dnsIsResponse) S.add(s, HF_DNS_QUERIES, 1);
      if (this.reflectorPorts[rec.srcPort] === 1) {
        D.add(d, HF_REFLECTED, 1);
        D.mark(d, HB_REFLECTORS, Math.imul(peerOfDst, 0x2c1b3c6d) >>> 7);
      }
    } else if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
      S.add(s, HF_ICMP, 1); D.add(d, HF_ICMP, 1);
      if (rec.icmpType === 8 || rec.icmpType === 128) { S.add(s, HF_ECHO_REQ, 1); D.add(d, HF_ECHO_REQ, 1); }
    }
    if (rec.fragment !== 0 && rec.ipProto === IPPROTO_UDP && this.reflectorPorts[rec.srcPort] === 1) D.add(d, HF_FRAGMENTS, 1);
  }

  /** Counts a closed connection as completed or failed for its originator and responder. */
  connectionEnded(origKey: Uint32Array, origOff: number, respKey: Uint32Array, respOff: number, t: number, completed: boolean): void {
    const f = completed ? HF_COMPLETED : HF_FAILED;
    const s = this.bySrc.touch(origKey, origOff, t);
    this.bySrc.add(s, f, 1);
    const d = this.byDst.touch(respKey, respOff, t);
    this.byDst.add(d, f, 1);
  }

  get memoryBytes(): number {
    return this.bySrc.memoryBytes + this.byDst.memoryBytes;
  }
}
