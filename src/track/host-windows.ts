// Per-source and per-destination statistics over sliding windows of packet time at 1 s, 10 s and 60 s:
// packets, bytes, SYN/SYN-ACK/RST, ICMP, UDP, DNS, new/failed/completed connections, distinct peers and ports.

import { FRAG_LATER, isEchoRequest, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN, type PacketRecord } from '../decode/packet-record.js';
import { addressItem, writeDst, writeSrc } from './address-key.js';
import { WindowTable } from './window-table.js';
import type { PacketClock } from './packet-clock.js';

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
/** Kept across windows (never reset by a roll): a baseline of the source's 10 s volume, for high_traffic. */
export const HK_BASE_BYTES = 15;
export const HK_BASE_PKTS = 16;
export const HK_WINDOWS = 17;
const FIELDS = 18;
const KEPT = 3;

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
  /** Entries (record numbers in bySrc and byDst) of the current packet's source and destination. */
  srcSlot = -1;
  dstSlot = -1;
  readonly key = new Uint32Array(8);
  private readonly reflectorPorts: Uint8Array;

  /** Called when a source's 10 s window closes (high_traffic folds it into the baseline). */
  onSourceWindow: ((slot: number, emptyWindows: number) => void) | null = null;

  /** clock: the run's packet clock (the flow table's), which says when time stepped back; without it each table keeps its own. */
  constructor(capacity: number, reflectorPorts: readonly number[], clock?: PacketClock) {
    const opts = { capacity, keyWords: 4, fields: FIELDS, keptFields: KEPT, scales: HOST_SCALES, bitmaps: 3, bitmapBits: 256, clock };
    this.bySrc = new WindowTable({ ...opts, rollScale: SCALE_10S, onRoll: (s, gap) => this.onSourceWindow?.(s, gap) });
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
    const sc = S.cur;
    const dc = D.cur;
    const sb = S.base(s);
    const db = D.base(d);
    const len = rec.wireLen;
    sc[sb + HF_PKTS]++; sc[sb + HF_BYTES] += len;
    dc[db + HF_PKTS]++; dc[db + HF_BYTES] += len;
    // Peers: the other side's address; ports: the destination port (mark mixes each).
    const peerOfSrc = addressItem(k, 4);
    const peerOfDst = addressItem(k, 0);
    S.mark(s, HB_PEERS, peerOfSrc);
    D.mark(d, HB_PEERS, peerOfDst);
    if (newFlow) { sc[sb + HF_NEW_FLOWS]++; dc[db + HF_NEW_FLOWS]++; }
    if (rec.fragment === FRAG_LATER) {
      dc[db + HF_FRAGMENTS]++;
      return;
    }
    if (rec.dstPort >= 0) {
      S.mark(s, HB_PORTS, rec.dstPort + 1);
      D.mark(d, HB_PORTS, rec.dstPort + 1);
    }
    const p = rec.ipProto;
    if (p === IPPROTO_TCP) {
      const f = rec.tcpFlags;
      if ((f & TCP_SYN) !== 0) {
        if ((f & TCP_ACK) !== 0) { sc[sb + HF_SYNACK]++; dc[db + HF_SYNACK]++; } else { sc[sb + HF_SYN]++; dc[db + HF_SYN]++; }
      }
      if ((f & TCP_RST) !== 0) { sc[sb + HF_RST]++; dc[db + HF_RST]++; }
    } else if (p === IPPROTO_UDP) {
      sc[sb + HF_UDP]++; dc[db + HF_UDP]++;
      if (rec.dnsQnameOffset >= 0 && !rec.dnsIsResponse) sc[sb + HF_DNS_QUERIES]++;
      if (this.reflectorPorts[rec.srcPort] === 1) {
        dc[db + HF_REFLECTED]++;
        D.mark(d, HB_REFLECTORS, peerOfDst);
        if (rec.fragment !== 0) dc[db + HF_FRAGMENTS]++;
      }
    } else if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
      sc[sb + HF_ICMP]++; dc[db + HF_ICMP]++;
      if (isEchoRequest(rec)) { sc[sb + HF_ECHO_REQ]++; dc[db + HF_ECHO_REQ]++; }
    }
  }

  /** Counts a closed connection as completed or failed for its originator and responder. */
  connectionEnded(origKey: Uint32Array, origOff: number, respKey: Uint32Array, respOff: number, completed: boolean, t: number): void {
    const f = completed ? HF_COMPLETED : HF_FAILED;
    // Only hosts still tracked: a closing flow must not evict a live host.
    const s = this.bySrc.find(origKey, origOff, t);
    if (s >= 0) this.bySrc.add(s, f, 1);
    const d = this.byDst.find(respKey, respOff, t);
    if (d >= 0) this.byDst.add(d, f, 1);
  }

  get memoryBytes(): number {
    return this.bySrc.memoryBytes + this.byDst.memoryBytes;
  }
}
