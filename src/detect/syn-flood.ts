// SYN flood: many SYNs to one service (victim address and port) whose handshakes do not complete,
// spoofed sources included; and randomised floods with no single victim (many sources, many
// destinations, nothing completes). A scan spreads over ports and is port_scan's business.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP, TCP_ACK, TCP_SYN } from '../decode/packet-record.js';
import { addressItem, mixAddress, wordsToString, writeDst } from '../track/address-key.js';
import { countText, linearCount, popcount32 } from '../track/linear-count.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { RaiseGate, windowLabel, type Detector, type PacketContext } from './detector.js';
import { OverThresholdPackets } from './over-threshold-packets.js';

const S_SYN = 0;
const S_EST = 1;
const SB_SRC = 0;
const RING = 4;
const BITMAP_BITS = 1024;
const BITMAP_WORDS = BITMAP_BITS / 32;

export class SynFloodDetector implements Detector {
  readonly name = 'syn_flood' as const;
  private cfg: DetectionConfig['synFlood'];
  private readonly gate: RaiseGate;
  /**
   * Network-wide counters for the last three whole seconds of packet time (ring indexed by second):
   * SYNs, completed handshakes, and bitmaps of distinct sources and destinations.
   */
  private readonly secSyn = new Float64Array(RING);
  private readonly secEst = new Float64Array(RING);
  private readonly secBits = new Uint32Array(RING * 2 * BITMAP_WORDS);
  private secNow = NaN;
  private firstSecond = NaN;
  private netGate = -Infinity;
  /** The latest SYN's source and destination (host-window key form), named in a network-wide alert. */
  private readonly lastEndpoints = new Uint32Array(8);

  /** Per victim service (address and port): SYNs and completed handshakes, distinct sources. */
  private readonly services: WindowTable;
  private readonly key = new Uint32Array(5);
  /** The key being inserted while an evicted service's held-back raise is judged (which writes this.key). */
  private readonly keySaved = new Uint32Array(5);
  /** Per victim service (entry of services), the latest SYN over the threshold: what the alert names. */
  private readonly latest: OverThresholdPackets;

  /** ctx: the engine's packet context (one object for the run), for judging at an eviction. */
  constructor(cfg: DetectionConfig['synFlood'], hostCapacity: number, private readonly ctx: PacketContext, clock?: PacketClock) {
    this.cfg = cfg;
    this.gate = new RaiseGate(hostCapacity, true);
    this.latest = new OverThresholdPackets(hostCapacity);
    this.services = new WindowTable({
      capacity: hostCapacity, keyWords: 5, fields: 2, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 1024, onEvict: (v) => this.evicted(v), clock,
    });
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.synFlood;
  }


  /** A victim service leaves the table: a raise held back for it is made now, with its count. */
  private evicted(v: number): void {
    this.gate.settleEvicted(this.ctx, v, this.judgeEvicted, this.key, this.keySaved);
  }

  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || rec.ipProto !== IPPROTO_TCP) return;
    const sec = this.advance(c.t);
    const slot = sec % RING;
    if (c.established) {
      this.secEst[slot]++;
      const k = this.key;
      writeDst(k, 0, rec);
      k[4] = rec.dstPort;
      const v = this.services.find(k, 0, c.t);
      if (v >= 0) this.services.add(v, S_EST, 1);
    }
    if ((rec.tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return;
    this.secSyn[slot]++;
    const hk = c.hosts.key;
    const bits = this.secBits;
    const hs = mixAddress(hk, 0) & (BITMAP_BITS - 1);
    const hd = mixAddress(hk, 4) & (BITMAP_BITS - 1);
    bits[(slot * 2) * BITMAP_WORDS + (hs >>> 5)] |= 1 << (hs & 31);
    bits[(slot * 2 + 1) * BITMAP_WORDS + (hd >>> 5)] |= 1 << (hd & 31);
    this.lastEndpoints.set(hk);

    const cfg = this.cfg;
    const k = this.key;
    writeDst(k, 0, rec);
    k[4] = rec.dstPort;
    const T = this.services;
    const v = T.touch(k, 0, c.t);
    T.add(v, S_SYN, 1);
    T.mark(v, SB_SRC, addressItem(c.hosts.key, 0));
    if (T.value(v, 0, S_SYN, c.t) < cfg.minSyns) return;
    this.latest.keep(v, c);
    this.judgeService(c, v);
  }

  /** Victim service v (its key: address and port) over the SYN threshold: raises unless too many handshakes completed. */
  private judgeService(c: PacketContext, v: number): void {
    const cfg = this.cfg;
    const T = this.services;
    const syns = T.value(v, 0, S_SYN, c.t);
    if (syns < cfg.minSyns) return;
    const est = T.value(v, 0, S_EST, c.t);
    if (est > cfg.maxCompletedRatio * syns || !this.gate.open(v, c.t, c.hub.position)) return;
    const L = this.latest;
    const victim = L.dst(v);
    const port = L.dstPort(v);
    const src = L.src(v);
    const sources = T.distinctOf(v, 0, SB_SRC, syns, c.t);
    const spoofed = sources >= 10;
    const raised = c.hub.raise({
      detector: this.name,
      variant: spoofed ? 2 : 1,
      // The count in the signature, as the UDP and ICMP floods give theirs.
      detail: `${Math.round(syns)} SYNs to ${victim} port ${port} in ${cfg.windowSec} s from ` +
        (spoofed ? `${countText(sources, T.bitmapBits)} sources (spoofed or distributed)` : src),
      key: `syn_flood|${victim}|${port}`,
      src, dst: victim, srcPort: L.srcPort(v), dstPort: port, proto: 'TCP', ...L.flowFields(v),
      score: syns / cfg.minSyns,
      threshold: cfg.minSyns,
      evidence: { syns: Math.round(syns), completed_handshakes: Math.round(est), distinct_sources: sources, victim, port, spoofed },
      window: windowLabel(cfg.windowSec),
    }, c.t);
    if (raised) L.markFlow(v, c.flows);
  }

  /** Victim services whose raise the gate refused, judged again (if the entry still holds the same service). */
  private judgeKept(c: PacketContext): (v: number) => void {
    return (v) => this.judgeKeptService(c, v);
  }

  private judgeKeptService(c: PacketContext, v: number): void {
    this.services.keyOf(v, this.key, 0);
    if (this.latest.sameDst(v, this.key, 0) && this.latest.dstPort(v) === this.key[4]) this.judgeService(c, v);
  }

  private readonly judgeEvicted = (v: number): void => this.judgeKeptService(this.ctx, v);

  /** Moves the ring to the second of time t, clearing seconds that start anew. Returns the second. */
  private advance(t: number): number {
    const sec = Math.floor(t);
    if (Number.isNaN(this.secNow) || sec < this.secNow - 1) {
      // First packet, or packet time stepped back: start the ring afresh at this second.
      this.secSyn.fill(0);
      this.secEst.fill(0);
      this.secBits.fill(0);
      this.secNow = sec;
      this.firstSecond = sec;
      return sec;
    }
    if (sec - this.secNow > RING) this.secNow = sec - RING;
    while (this.secNow < sec) {
      this.secNow++;
      const slot = this.secNow % RING;
      this.secSyn[slot] = 0;
      this.secEst[slot] = 0;
      this.secBits.fill(0, slot * 2 * BITMAP_WORDS, (slot * 2 + 2) * BITMAP_WORDS);
    }
    return sec < this.secNow ? this.secNow : sec;
  }

  /**
   * Network-wide check once per second of packet time, on the second before last: its SYNs against the
   * handshakes completed in it and in the second after (a completion lags its SYN by a round trip). A
   * second the capture saw only part of is not judged, so starting on a busy link raises nothing.
   */
  tick(c: PacketContext): void {
    // Victim services whose raise the gate refused are judged again, so the incident has the latest count.
    this.gate.drain(c, this.judgeKept(c), false);
    if (Number.isNaN(this.secNow)) return;
    const sec = this.advance(c.t);
    const judged = sec - 2;
    if (judged <= this.firstSecond) return;
    const slot = judged % RING;
    this.judgeNetwork(c, slot, this.secSyn[slot], this.secEst[slot] + this.secEst[(judged + 1) % RING]);
  }

  /** End of input: the last two seconds are judged as they stand (a whole capture may last 16 ms). */
  finish(c: PacketContext): void {
    this.gate.drain(c, this.judgeKept(c), true);
    if (Number.isNaN(this.secNow)) return;
    const last = this.secNow % RING;
    const before = (this.secNow - 1) % RING;
    if (this.secNow - 1 >= this.firstSecond) {
      this.judgeNetwork(c, before, this.secSyn[before], this.secEst[before] + this.secEst[last]);
    }
    this.judgeNetwork(c, last, this.secSyn[last], this.secEst[last]);
  }

  private distinctIn(slot: number, which: number): number {
    const o = (slot * 2 + which) * BITMAP_WORDS;
    let zeros = 0;
    for (let w = 0; w < BITMAP_WORDS; w++) zeros += 32 - popcount32(this.secBits[o + w]);
    return linearCount(BITMAP_BITS, zeros);
  }

  private judgeNetwork(c: PacketContext, slot: number, syns: number, est: number): void {
    const cfg = this.cfg;
    if (syns < cfg.networkMinSyns || est > cfg.maxCompletedRatio * syns) return;
    const nsrc = Math.min(this.distinctIn(slot, 0), Math.round(syns));
    const ndst = Math.min(this.distinctIn(slot, 1), Math.round(syns));
    if (nsrc < cfg.networkMinSources || ndst < cfg.networkMinDestinations || c.t - this.netGate < 1) return;
    this.netGate = c.t;
    c.hub.raise({
      detector: this.name,
      variant: 3,
      detail: `randomised flood: ${Math.round(syns)} SYNs in a second from ${countText(nsrc, BITMAP_BITS)} sources to ${countText(ndst, BITMAP_BITS)} destinations`,
      key: 'syn_flood|network',
      src: wordsToString(this.lastEndpoints, 0), dst: wordsToString(this.lastEndpoints, 4), proto: 'TCP',
      score: syns / cfg.networkMinSyns,
      threshold: cfg.networkMinSyns,
      evidence: { syns_per_second: Math.round(syns), distinct_sources: nsrc, distinct_destinations: ndst, completed_handshakes: Math.round(est) },
      window: windowLabel(1),
    }, c.t);
  }
}
