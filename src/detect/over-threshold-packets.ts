// Per table entry, what an alert needs of the latest packet that took the entry over its threshold:
// addresses, ports, protocol. A flood detector keeps it for each such packet and raises from it, so an
// entry whose raise the once-a-second gate refused can be raised again at the next tick or at the end of
// input (RaiseGate.drain) with the counts it reached: a flood over within a second (the SNMP reflection
// in the corpus lasts 23 ms) is otherwise filed with the count it had when it crossed the threshold.
// Fixed arrays, written in place: no allocation per packet.

import { FRAG_LATER, IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../decode/packet-record.js';
import { wordsToString } from '../track/address-key.js';
import { communityId, icmpCommunityId } from '../track/community-id.js';
import { flowFields, RaiseGate, type FlowFields, type PacketContext } from './detector.js';
import { NamedFlows } from './named-flows.js';
import type { FlowTable } from '../track/flow-table.js';

export class OverThresholdPackets {
  /** Source then destination address, 8 words per entry. */
  private readonly addrs: Uint32Array;
  /** Source and destination port (-1 when none), 2 per entry. */
  private readonly ports: Int32Array;
  /** IP protocol and whether the packet was a later IP fragment, 2 bytes per entry. */
  private readonly meta: Uint8Array;
  /** ICMP type and code (-1 when not ICMP), 2 per entry. */
  private readonly icmp: Int16Array;
  /** The kept packet's flow, marked alerted by a raise that names it later. */
  private readonly flows: NamedFlows;

  constructor(capacity: number) {
    this.addrs = new Uint32Array(capacity * 8);
    this.ports = new Int32Array(capacity * 2);
    this.meta = new Uint8Array(capacity * 2);
    this.icmp = new Int16Array(capacity * 2);
    this.flows = new NamedFlows(capacity);
  }

  /** Keeps the packet of c (an IP packet: the host windows' key holds its addresses) for entry s. */
  keep(s: number, c: PacketContext): void {
    const k = c.hosts.key;
    const a = this.addrs;
    const o = 8 * s;
    for (let i = 0; i < 8; i++) a[o + i] = k[i];
    const rec = c.rec;
    this.ports[2 * s] = rec.srcPort;
    this.ports[2 * s + 1] = rec.dstPort;
    this.meta[2 * s] = rec.ipProto;
    this.meta[2 * s + 1] = rec.fragment === FRAG_LATER ? 1 : 0;
    this.icmp[2 * s] = rec.icmpType;
    this.icmp[2 * s + 1] = rec.icmpCode;
    this.flows.keep(s, c.flows, c.flowSlot);
  }

  /** After a raise naming entry s's kept packet: its flow is an alerted flow (stored with --db-flows alerted). */
  markFlow(s: number, flows: FlowTable): void {
    this.flows.mark(s, flows);
  }

  /** Whether entry s's kept destination is the address at words[off..off+4) (the entry was not evicted and reused since). */
  sameDst(s: number, words: Uint32Array, off: number): boolean {
    return this.sameAddress(8 * s + 4, words, off);
  }

  /** Whether entry s's kept source is the address at words[off..off+4) (for tables keyed by source). */
  sameSrc(s: number, words: Uint32Array, off: number): boolean {
    return this.sameAddress(8 * s, words, off);
  }

  private sameAddress(o: number, words: Uint32Array, off: number): boolean {
    const a = this.addrs;
    return a[o] === words[off] && a[o + 1] === words[off + 1] && a[o + 2] === words[off + 2] && a[o + 3] === words[off + 3];
  }

  src(s: number): string { return wordsToString(this.addrs, 8 * s); }
  dst(s: number): string { return wordsToString(this.addrs, 8 * s + 4); }
  /** The destination address's words start at this offset of dstWords (for a table lookup by that address). */
  dstOffset(s: number): number { return 8 * s + 4; }
  get dstWords(): Uint32Array { return this.addrs; }
  srcPort(s: number): number { return this.ports[2 * s]; }
  dstPort(s: number): number { return this.ports[2 * s + 1]; }
  proto(s: number): number { return this.meta[2 * s]; }
  icmpType(s: number): number { return this.icmp[2 * s]; }
  icmpCode(s: number): number { return this.icmp[2 * s + 1]; }
  laterFragment(s: number): boolean { return this.meta[2 * s + 1] === 1; }

  /** The kept packet's flow as an alert names it: its Community ID and flow_id, to pivot from the alert to flow logs. */
  flowFields(s: number): FlowFields {
    return flowFields(this.communityId(s), this.flows.serialOf(s));
  }

  /** The Community ID of the kept packet's flow (TCP or UDP with ports, ICMP with its type). */
  private communityId(s: number): string | undefined {
    const p = this.meta[2 * s];
    if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
      const type = this.icmp[2 * s];
      return type < 0 ? undefined : icmpCommunityId(this.addrs, 8 * s, 8 * s + 4, p, type, this.icmp[2 * s + 1]);
    }
    const sp = this.ports[2 * s];
    const dp = this.ports[2 * s + 1];
    if ((p !== 6 && p !== 17) || sp < 0 || dp < 0) return undefined;
    return communityId(this.addrs, 8 * s, 8 * s + 4, p, sp, dp);
  }
}

/** The address a table entry is keyed by (written to out[0..4)), and which side of its kept packet that is. */
export interface KeptEntry {
  keyOf(c: PacketContext, s: number, out: Uint32Array): void;
  side: 'src' | 'dst';
}

/** Flood victims: host-window entries of the destination. */
export const VICTIMS: KeptEntry = { keyOf: (c, d, out) => c.hosts.byDst.keyOf(d, out, 0), side: 'dst' };

/**
 * A detector's raises per table entry (a flood's victim, a tunnel's source): the once-a-second gate, which
 * keeps the entries it refused, and the latest packet over the threshold, which the alert names. The
 * detector's judge raises through gate.open() and reads latest.
 */
export class KeptRaises {
  readonly gate: RaiseGate;
  readonly latest: OverThresholdPackets;
  private readonly key = new Uint32Array(4);
  private readonly judge: (c: PacketContext, s: number) => void;
  private readonly entry: KeptEntry;

  constructor(capacity: number, judge: (c: PacketContext, s: number) => void, entry: KeptEntry = VICTIMS) {
    this.gate = new RaiseGate(capacity, true);
    this.latest = new OverThresholdPackets(capacity);
    this.judge = judge;
    this.entry = entry;
  }

  /** The packet of c took entry s over the threshold: kept, and judged. */
  over(c: PacketContext, s: number): void {
    this.latest.keep(s, c);
    this.judge(c, s);
  }

  /**
   * Judges again the entries whose raise the gate refused (at a tick, so the incident has the latest
   * count; with force at the end of input, the gate opened for them), each only while it still holds the
   * address its kept packet names (an entry evicted and reused since is another host).
   */
  drain(c: PacketContext, force: boolean): void {
    const e = this.entry;
    this.gate.drain(c, (s) => {
      e.keyOf(c, s, this.key);
      if (e.side === 'dst' ? this.latest.sameDst(s, this.key, 0) : this.latest.sameSrc(s, this.key, 0)) this.judge(c, s);
    }, force);
  }
}
