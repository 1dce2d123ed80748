// SYN flood: many SYNs to one service (victim address and port) whose handshakes do not complete,
// spoofed sources included; and randomised floods with no single victim (many sources, many
// destinations, nothing completes). A scan spreads over ports and is port_scan's business.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP, TCP_ACK, TCP_SYN } from '../decode/packet-record.js';
import { wordsToString, writeDst } from '../track/address-key.js';
import { WindowTable } from '../track/window-table.js';
import { RaiseGate, dstString, srcString, windowLabel, type Detector, type PacketContext } from './detector.js';

const S_SYN = 0;
const S_EST = 1;
const SB_SRC = 0;
const N_SYN = 0;
const N_EST = 1;
const NB_SRC = 0;
const NB_DST = 1;

export class SynFloodDetector implements Detector {
  readonly name = 'syn_flood' as const;
  private readonly cfg: DetectionConfig['synFlood'];
  private readonly gate: RaiseGate;
  /** Network-wide SYN counters over one-second windows (a one-entry table). */
  private readonly net = new WindowTable({ capacity: 1, keyWords: 1, fields: 2, scales: [1], bitmaps: 2, bitmapBits: 1024 });
  private readonly netKey = new Uint32Array(1);
  private netGate = -Infinity;
  /** The latest SYN's source and destination (host-window key form), named in a network-wide alert. */
  private readonly lastEndpoints = new Uint32Array(8);

  /** Per victim service (address and port): SYNs and completed handshakes, distinct sources. */
  private readonly services: WindowTable;
  private readonly key = new Uint32Array(5);

  constructor(cfg: DetectionConfig['synFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.gate = new RaiseGate(hostCapacity);
    this.services = new WindowTable({ capacity: hostCapacity, keyWords: 5, fields: 2, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 1024 });
  }

  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || rec.ipProto !== IPPROTO_TCP) return;
    const ns = this.net.touch(this.netKey, 0, c.t);
    if (c.established) {
      this.net.add(ns, N_EST, 1);
      const k = this.key;
      writeDst(k, 0, rec);
      k[4] = rec.dstPort;
      const v = this.services.find(k, 0);
      if (v >= 0) this.services.add(v, S_EST, 1);
    }
    if ((rec.tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return;
    this.net.add(ns, N_SYN, 1);
    this.lastEndpoints.set(c.hosts.key);
    this.net.mark(ns, NB_SRC, Math.imul(c.hosts.key[3] ^ c.hosts.key[2], 0x9e3779b1) >>> 5);
    this.net.mark(ns, NB_DST, Math.imul(c.hosts.key[7] ^ c.hosts.key[6], 0x85ebca6b) >>> 5);

    const cfg = this.cfg;
    const k = this.key;
    writeDst(k, 0, rec);
    k[4] = rec.dstPort;
    const T = this.services;
    const v = T.touch(k, 0, c.t);
    T.add(v, S_SYN, 1);
    T.mark(v, SB_SRC, Math.imul(c.hosts.key[3] ^ Math.imul(c.hosts.key[2], 0x85ebca6b), 0x9e3779b1) >>> 5);
    const syns = T.value(v, 0, S_SYN, c.t);
    if (syns >= cfg.minSyns) {
      const est = T.value(v, 0, S_EST, c.t);
      if (est <= cfg.maxCompletedRatio * syns && this.gate.open(v, c.t)) {
        const victim = dstString(rec);
        const sources = T.distinct(v, 0, SB_SRC);
        const spoofed = sources >= 10;
        c.hub.raise({
          detector: this.name,
          variant: spoofed ? 2 : 1,
          detail: spoofed ? `${victim} port ${rec.dstPort} from ${sources} sources (spoofed or distributed)` : `${victim} port ${rec.dstPort} from ${srcString(rec)}`,
          key: `syn_flood|${victim}|${rec.dstPort}`,
          src: srcString(rec), dst: victim, srcPort: rec.srcPort, dstPort: rec.dstPort, proto: 'TCP',
          score: syns / cfg.minSyns,
          threshold: cfg.minSyns,
          evidence: { syns: Math.round(syns), completed_handshakes: Math.round(est), distinct_sources: sources, victim, port: rec.dstPort, spoofed },
          window: windowLabel(cfg.windowSec),
        }, c.t);
      }
      return;
    }
  }

  /**
   * Network-wide check once per second of packet time, on the second that just ended: its SYNs against
   * the handshakes completed since they were sent (completions lag a SYN by a round trip, so a capture
   * that starts on a busy link is not mistaken for a flood in its first milliseconds).
   */
  tick(c: PacketContext): void {
    if (this.net.find(this.netKey, 0) < 0) return;
    const ns = this.net.touch(this.netKey, 0, c.t);
    this.judgeNetwork(c, this.net.previous(ns, 0, N_SYN), this.net.previous(ns, 0, N_EST) + this.net.current(ns, N_EST));
  }

  /** End of input: the last (partial) second is judged as it stands. */
  finish(c: PacketContext): void {
    const ns = this.net.find(this.netKey, 0);
    if (ns < 0) return;
    this.judgeNetwork(c, this.net.current(ns, N_SYN), this.net.current(ns, N_EST));
  }

  private judgeNetwork(c: PacketContext, syns: number, est: number): void {
    const cfg = this.cfg;
    if (syns < cfg.networkMinSyns || est > cfg.maxCompletedRatio * syns) return;
    const ns = this.net.find(this.netKey, 0);
    const nsrc = this.net.distinct(ns, 0, NB_SRC);
    const ndst = this.net.distinct(ns, 0, NB_DST);
    if (nsrc < cfg.networkMinSources || ndst < cfg.networkMinDestinations || c.t - this.netGate < 1) return;
    this.netGate = c.t;
    c.hub.raise({
      detector: this.name,
      variant: 3,
      detail: `randomised flood: ${Math.round(syns)} SYNs in a second from ${nsrc} sources to ${ndst} destinations`,
      key: 'syn_flood|network',
      src: wordsToString(this.lastEndpoints, 0), dst: wordsToString(this.lastEndpoints, 4), proto: 'TCP',
      score: syns / cfg.networkMinSyns,
      threshold: cfg.networkMinSyns,
      evidence: { syns_per_second: Math.round(syns), distinct_sources: nsrc, distinct_destinations: ndst, completed_handshakes: Math.round(est) },
      window: windowLabel(1),
    }, c.t);
  }
}
