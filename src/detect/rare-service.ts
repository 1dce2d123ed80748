// Rare protocol or service: after a learning period (packet time), an IP protocol or a TCP/UDP server
// port that was seen fewer than minCountToBeCommon times on this network. Keeps learning afterwards.
// The learning period counts packet time observed: a step forward of more than MAX_STEP_SEC between
// packets (a clock jump, a quiet night) counts as MAX_STEP_SEC, so a capture whose clock jumps years
// ahead after 26 packets has not learnt its network.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_SYN } from '../decode/packet-record.js';
import type { RarityTables } from './anomaly-model.js';
import { type Detector, dstString, flowOf, type PacketContext, protoName, RaiseGate, srcString } from './detector.js';

const MAX_STEP_SEC = 60;

export class RareServiceDetector implements Detector {
  readonly name = 'rare_service' as const;
  private cfg: DetectionConfig['rareService'];
  private readonly protocols = new Float64Array(256);
  /** Answered server ports: TCP at [port], UDP at [65536 + port]. */
  private readonly ports = new Float64Array(131072);
  private observedSec = 0;
  private lastT = NaN;
  private learnt = false;
  private readonly protoGate = new RaiseGate(256);
  private readonly portGate = new RaiseGate(131072);

  constructor(cfg: DetectionConfig['rareService']) {
    this.cfg = cfg;
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.rareService;
  }


  /** What was learned: new flows per IP protocol and answered services (a model stores them). */
  tables(): RarityTables {
    const protocols: Record<string, number> = {};
    const services: Record<string, number> = {};
    for (let p = 0; p < 256; p++) if (this.protocols[p] > 0) protocols[p] = this.protocols[p];
    for (let i = 0; i < 131072; i++) if (this.ports[i] > 0) services[`${i < 65536 ? 'tcp' : 'udp'}/${i & 0xffff}`] = this.ports[i];
    return { protocols, services };
  }

  /** A model's tables: what it learned counts as seen, and the learning period is over at once. */
  preload(r: RarityTables): void {
    for (const [p, n] of Object.entries(r.protocols)) { const i = Number(p); if (i >= 0 && i < 256) this.protocols[i] += n; }
    for (const [s, n] of Object.entries(r.services)) {
      const m = /^(tcp|udp)\/(\d+)$/.exec(s);
      if (m !== null && Number(m[2]) < 65536) this.ports[(m[1] === 'udp' ? 65536 : 0) + Number(m[2])] += n;
    }
    this.learnt = true;
  }

  /** True once the learning period has passed (a model in training never alerts). */
  learned(t: number): boolean {
    if (this.learnt) return true;
    if (t > this.lastT) this.observedSec += Math.min(t - this.lastT, MAX_STEP_SEC);
    if (!(t <= this.lastT)) this.lastT = t;
    if (this.observedSec >= this.cfg.learnSec) this.learnt = true;
    return this.learnt;
  }

  packet(c: PacketContext): void {
    if (!c.isIp || c.flowSlot < 0) return;
    const rec = c.rec;
    const learned = this.learned(c.t);
    const p = rec.ipProto;
    if (c.newFlow) {
      const n = this.protocols[p]++;
      if (learned && n < this.cfg.minCountToBeCommon && this.protoGate.open(p, c.t)) {
        c.hub.raise({
          detector: this.name, variant: 1,
          detail: `IP protocol ${protoName(rec)} (${p}) ${seenText(n)}, from ${srcString(rec)}`,
          key: `rare_service|proto|${p}`,
          src: srcString(rec), dst: dstString(rec), proto: protoName(rec),
          ...flowOf(c.flows, c.flowSlot),
          score: 1 - n / this.cfg.minCountToBeCommon, threshold: this.cfg.minCountToBeCommon,
          evidence: { ip_protocol: p, seen_before: n, learning_seconds: this.cfg.learnSec },
          window: `${this.cfg.learnSec}s learning`,
        }, c.t);
      }
    }
    // A service is a server port that answered: SYN-ACK for TCP, the first reply for UDP.
    let idx = -1;
    if (p === IPPROTO_TCP && !c.fromOrig && (rec.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) idx = rec.srcPort;
    else if (p === IPPROTO_UDP && !c.fromOrig && c.flows.packets(c.flowSlot, 1) === 1) idx = 65536 + rec.srcPort;
    if (idx < 0) return;
    const n = this.ports[idx]++;
    if (!learned || n >= this.cfg.minCountToBeCommon || !this.portGate.open(idx, c.t)) return;
    const service = `${p === IPPROTO_TCP ? 'tcp' : 'udp'}/${rec.srcPort}`;
    c.hub.raise({
      detector: this.name, variant: 2,
      detail: `service ${service} on ${srcString(rec)} answered ${dstString(rec)}, ${seenText(n)}`,
      key: `rare_service|${service}`,
      src: dstString(rec), dst: srcString(rec), srcPort: rec.dstPort, dstPort: rec.srcPort, proto: protoName(rec),
      ...flowOf(c.flows, c.flowSlot),
      score: 1 - n / this.cfg.minCountToBeCommon, threshold: this.cfg.minCountToBeCommon,
      evidence: { service, server: srcString(rec), seen_before: n, learning_seconds: this.cfg.learnSec },
      window: `${this.cfg.learnSec}s learning`,
    }, c.t);
  }
}

/** How often something was seen before, in words: "never seen before", "seen once before", "seen 2 times before". */
export function seenText(n: number): string {
  return n === 0 ? 'never seen before' : n === 1 ? 'seen once before' : `seen ${n} times before`;
}
