// Horizontal sweep: one source probing many hosts (ICMP echo, ARP requests, TCP/UDP to one port).
// ICMP and ARP sweeps count distinct targets; TCP/UDP sweeps must also be mostly unanswered.
// A sweep over the threshold whose raise the once-a-second gate refused is judged again at the next tick
// and at the end of input, so its incident has the hosts it reached, not the count at the first raise.

import type { DetectionConfig } from '../config/detection-defaults.js';
import {
  IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, L3_ARP, TCP_ACK, TCP_RST, TCP_SYN, isEchoReply, isEchoRequest,
} from '../decode/packet-record.js';
import { addressItem, isIpv4Words, wordsToString, writeDst, writeIpv4, writeSrc } from '../track/address-key.js';
import { communityId, icmpCommunityId } from '../track/community-id.js';
import { countText } from '../track/linear-count.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { flowFields, RaiseGate, windowLabel, type Detector, type PacketContext } from './detector.js';
import { NamedFlows } from './named-flows.js';

const F_PROBES = 0;
const F_ANSWERED = 1;
const B_TARGETS = 0;
/** The fifth key word: what was probed. TCP and UDP carry the port in the low 16 bits. */
const KIND_ECHO = 0x10000;
const KIND_ARP = 0x10001;
const KIND_TCP = 0x20000;
const KIND_UDP = 0x30000;

export class HostSweepDetector implements Detector {
  readonly name = 'host_sweep' as const;
  private cfg: DetectionConfig['hostSweep'];
  private readonly sweeps: WindowTable;
  private readonly gate: RaiseGate;
  private readonly key = new Uint32Array(5);
  /** The key being inserted while an evicted sweep's held-back raise is judged (which writes this.key). */
  private readonly keySaved = new Uint32Array(5);
  private readonly judgeEvicted = (s: number): void => {
    this.sweeps.keyOf(s, this.key, 0);
    this.evaluate(this.ctx, s, this.lastTarget, 4 * s);
  };
  private readonly tmp = new Uint32Array(4);
  /** Per entry, the last host probed when a raise was refused (4 words): the target of its drained raise. */
  private readonly lastTarget: Uint32Array;
  /** Per entry, that probe's source port (TCP/UDP), for its Community ID, and its flow, marked alerted by a drained raise. */
  private readonly lastSport: Int32Array;
  private readonly lastFlow: NamedFlows;
  /** Per entry, the host its latest probe went to (4 words). */
  private readonly prevProbe: Uint32Array;
  /** The probe being handled: its source port. */
  private probeSport = -1;
  /** Source then target of the alert's probe, for its Community ID (written only when raising). */
  private readonly pair = new Uint32Array(8);

  /** ctx: the engine's packet context (one object for the run), for judging at an eviction. */
  constructor(cfg: DetectionConfig['hostSweep'], capacity: number, private readonly ctx: PacketContext, clock?: PacketClock) {
    this.cfg = cfg;
    this.sweeps = new WindowTable({ capacity, keyWords: 5, fields: 2, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 1024, onEvict: (s) => this.evicted(s), clock });
    this.gate = new RaiseGate(capacity, true);
    this.lastTarget = new Uint32Array(capacity * 4);
    this.prevProbe = new Uint32Array(capacity * 4);
    this.lastSport = new Int32Array(capacity);
    this.lastFlow = new NamedFlows(capacity);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.hostSweep;
  }

  /** Once a second: sweeps over the threshold whose raise the gate refused are judged again. */
  tick(c: PacketContext): void {
    this.gate.drain(c, this.judge(c), false);
  }

  /** End of input: the same, with the gate open. */
  finish(c: PacketContext): void {
    this.gate.drain(c, this.judge(c), true);
  }

  private judge(c: PacketContext): (s: number) => void {
    return (s) => {
      this.sweeps.keyOf(s, this.key, 0);
      this.evaluate(c, s, this.lastTarget, 4 * s);
    };
  }

  /** Packet time of the packet being handled (answers are found at it). */
  private now = 0;

  /** A source leaves the table (a spoofed flood fills it): a raise held back for it is made now, with its count. */
  private evicted(s: number): void {
    this.gate.settleEvicted(this.ctx, s, this.judgeEvicted, this.key, this.keySaved);
  }

  packet(c: PacketContext): void {
    const rec = c.rec;
    this.now = c.t;
    const k = this.key;
    const tmp = this.tmp;
    if (rec.l3 === L3_ARP) {
      if (rec.arpShaOffset < 0) return;
      if (rec.arpOp === 1 && rec.arpSpa !== rec.arpTpa) {
        writeIpv4(k, 0, rec.arpSpa);
        k[4] = KIND_ARP;
        writeIpv4(tmp, 0, rec.arpTpa);
        this.probe(c, tmp);
      } else if (rec.arpOp === 2) {
        writeIpv4(k, 0, rec.arpTpa);
        k[4] = KIND_ARP;
        this.answer();
      }
      return;
    }
    if (c.flowSlot < 0) return;
    const p = rec.ipProto;
    if (p === IPPROTO_ICMP || p === IPPROTO_ICMPV6) {
      if (isEchoRequest(rec)) {
        writeSrc(k, 0, rec);
        k[4] = KIND_ECHO;
        writeDst(tmp, 0, rec);
        this.probe(c, tmp);
      } else if (isEchoReply(rec)) {
        writeDst(k, 0, rec);
        k[4] = KIND_ECHO;
        this.answer();
      }
      return;
    }
    if (p === IPPROTO_TCP || p === IPPROTO_UDP) {
      if (c.newFlow && c.fromOrig) {
        if (p === IPPROTO_TCP && (rec.tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return;
        writeSrc(k, 0, rec);
        k[4] = (p === IPPROTO_TCP ? KIND_TCP : KIND_UDP) | rec.dstPort;
        writeDst(tmp, 0, rec);
        this.probeSport = rec.srcPort;
        this.probe(c, tmp);
      } else if (!c.fromOrig && c.flows.packets(c.flowSlot, 1) === 1) {
        if (p === IPPROTO_TCP && (rec.tcpFlags & (TCP_SYN | TCP_RST)) === 0) return;
        writeDst(k, 0, rec);
        k[4] = (p === IPPROTO_TCP ? KIND_TCP : KIND_UDP) | rec.srcPort;
        this.answer();
      }
    }
  }

  private probe(c: PacketContext, target: Uint32Array): void {
    const T = this.sweeps;
    const s = T.touch(this.key, 0, c.t);
    T.add(s, F_PROBES, 1);
    T.mark(s, B_TARGETS, addressItem(target, 0));
    // Probes of the host the previous one went to are one conversation, not a sweep going on: pinging a
    // host the sweep found raised the sweep again every second and stretched its incident to the pings.
    const p = this.prevProbe;
    const o = 4 * s;
    const same = p[o] === target[0] && p[o + 1] === target[1] && p[o + 2] === target[2] && p[o + 3] === target[3];
    p[o] = target[0]; p[o + 1] = target[1]; p[o + 2] = target[2]; p[o + 3] = target[3];
    if (same || T.value(s, 0, F_PROBES, c.t) < this.cfg.minHosts) return;
    this.evaluate(c, s, target, 0);
  }

  /** Raises for entry s (its key in this.key) when over the threshold; target[at..at+4) is the last host probed. */
  private evaluate(c: PacketContext, s: number, target: Uint32Array, at: number): void {
    const T = this.sweeps;
    const probes = T.value(s, 0, F_PROBES, c.t);
    const hosts = T.distinctOf(s, 0, B_TARGETS, probes, c.t);
    if (hosts < this.cfg.minHosts) return;
    const kind = this.key[4];
    const answered = T.value(s, 0, F_ANSWERED, c.t);
    const portless = kind === KIND_ECHO || kind === KIND_ARP;
    if (!portless && answered > this.cfg.maxAnsweredRatio * probes) return;
    // The last host probed over the threshold, for a raise now or a drained one later.
    if (target !== this.lastTarget) {
      for (let i = 0; i < 4; i++) this.lastTarget[4 * s + i] = target[at + i];
      this.lastSport[s] = this.probeSport;
      this.lastFlow.keep(s, c.flows, c.flowSlot);
    }
    if (!this.gate.open(s, c.t, c.hub.position)) return;
    const src = wordsToString(this.key, 0);
    const port = kind & 0xffff;
    const proto = kind === KIND_ARP ? 'ARP'
      : kind === KIND_ECHO ? (isIpv4Words(this.key, 0) ? 'ICMP' : 'IPv6-ICMP')
        : (kind & ~0xffff) === KIND_TCP ? 'TCP' : 'UDP';
    const what = kind === KIND_ARP ? 'ARP' : kind === KIND_ECHO ? 'ICMP echo' : `${proto}/${port}`;
    const variant = kind === KIND_ARP ? 3 : kind === KIND_ECHO ? 1 : 2;
    const raised = c.hub.raise({
      detector: this.name,
      variant,
      detail: `${what} sweep from ${src} (${countText(hosts, T.bitmapBits)} hosts)`,
      key: `host_sweep|${src}|${what}`,
      src,
      dst: wordsToString(target, at),
      ...(portless ? {} : { srcPort: this.lastSport[s], dstPort: port }),
      proto,
      ...(kind === KIND_ECHO ? { icmpType: proto === 'ICMP' ? 8 : 128, icmpCode: 0 } : {}),
      ...(kind === KIND_ARP ? {} : flowFields(this.probeCommunityId(kind, s, target, at), this.lastFlow.serialOf(s))),
      score: hosts / this.cfg.minHosts,
      threshold: this.cfg.minHosts,
      evidence: { probe: what, distinct_hosts: hosts, probes: Math.round(probes), answered: Math.round(answered) },
      window: windowLabel(this.cfg.windowSec),
    }, c.t);
    if (raised && target === this.lastTarget) this.lastFlow.mark(s, c.flows);
  }

  /** The Community ID of entry s's probe to target[at..at+4): an echo request, or a TCP/UDP probe from its kept source port. */
  private probeCommunityId(kind: number, s: number, target: Uint32Array, at: number): string {
    const w = this.pair;
    for (let i = 0; i < 4; i++) { w[i] = this.key[i]; w[4 + i] = target[at + i]; }
    if (kind === KIND_ECHO) return isIpv4Words(w, 0) ? icmpCommunityId(w, 0, 4, IPPROTO_ICMP, 8, 0) : icmpCommunityId(w, 0, 4, IPPROTO_ICMPV6, 128, 0);
    return communityId(w, 0, 4, (kind & ~0xffff) === KIND_TCP ? IPPROTO_TCP : IPPROTO_UDP, this.lastSport[s], kind & 0xffff);
  }

  private answer(): void {
    const s = this.sweeps.find(this.key, 0, this.now);
    if (s >= 0) this.sweeps.add(s, F_ANSWERED, 1);
  }
}
