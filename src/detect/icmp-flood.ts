// ICMP flood: echo requests to one victim far beyond what pings send.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../decode/packet-record.js';
import { HB_PEERS, HF_BYTES, HF_ECHO_REQ, HF_PKTS, SCALE_10S } from '../track/host-windows.js';
import { RaiseGate, dstString, protoName, srcString, windowLabel, type Detector, type PacketContext } from './detector.js';

export class IcmpFloodDetector implements Detector {
  readonly name = 'icmp_flood' as const;
  private cfg: DetectionConfig['icmpFlood'];
  private readonly gate: RaiseGate;

  constructor(cfg: DetectionConfig['icmpFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.gate = new RaiseGate(hostCapacity);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.icmpFlood;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || (rec.ipProto !== IPPROTO_ICMP && rec.ipProto !== IPPROTO_ICMPV6)) return;
    if (rec.icmpType !== 8 && rec.icmpType !== 128) return;
    const D = c.hosts.byDst;
    const d = c.hosts.dstSlot;
    const echoes = D.value(d, SCALE_10S, HF_ECHO_REQ, c.t);
    if (echoes < this.cfg.minEchoRequests || !this.gate.open(d, c.t)) return;
    const victim = dstString(rec);
    const sources = D.distinct(d, SCALE_10S, HB_PEERS);
    c.hub.raise({
      detector: this.name,
      variant: rec.ipProto === IPPROTO_ICMPV6 ? 2 : 1,
      detail: `${Math.round(echoes)} echo requests to ${victim} in 10 s from ${sources === 1 ? srcString(rec) : `${sources} sources`}`,
      key: `icmp_flood|${victim}`,
      src: srcString(rec), dst: victim, proto: protoName(rec),
      score: echoes / this.cfg.minEchoRequests,
      threshold: this.cfg.minEchoRequests,
      evidence: {
        echo_requests: Math.round(echoes), distinct_sources: sources, victim,
        packets: Math.round(D.value(d, SCALE_10S, HF_PKTS, c.t)), bytes: Math.round(D.value(d, SCALE_10S, HF_BYTES, c.t)),
      },
      window: windowLabel(10),
    }, c.t);
  }
}
