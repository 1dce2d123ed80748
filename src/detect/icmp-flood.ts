// ICMP flood: echo requests to one victim far beyond what pings send.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../decode/packet-record.js';
import { countText } from '../track/linear-count.js';
import { HB_PEERS, HF_BYTES, HF_ECHO_REQ, HF_PKTS, SCALE_10S } from '../track/host-windows.js';
import { RaiseGate, windowLabel, type Detector, type PacketContext } from './detector.js';
import { OverThresholdPackets, drainVictims } from './over-threshold-packets.js';

export class IcmpFloodDetector implements Detector {
  readonly name = 'icmp_flood' as const;
  private cfg: DetectionConfig['icmpFlood'];
  private readonly gate: RaiseGate;
  /** Per victim (host-window entry), the latest echo request over the threshold: what the alert names. */
  private readonly latest: OverThresholdPackets;
  private readonly key = new Uint32Array(4);

  constructor(cfg: DetectionConfig['icmpFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.gate = new RaiseGate(hostCapacity, true);
    this.latest = new OverThresholdPackets(hostCapacity);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.icmpFlood;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || (rec.ipProto !== IPPROTO_ICMP && rec.ipProto !== IPPROTO_ICMPV6)) return;
    if (rec.icmpType !== 8 && rec.icmpType !== 128) return;
    const d = c.hosts.dstSlot;
    if (c.hosts.byDst.value(d, SCALE_10S, HF_ECHO_REQ, c.t) < this.cfg.minEchoRequests) return;
    this.latest.keep(d, c);
    this.judge(c, d);
  }

  /** Once a second: victims whose raise the gate refused are judged again, so the incident has the latest count. */
  tick(c: PacketContext): void {
    drainVictims(this.gate, this.latest, this.key, c, false, this.judgeVictim);
  }

  /** End of input: the same, with the gate open (a flood over within a second is filed with all it sent). */
  finish(c: PacketContext): void {
    drainVictims(this.gate, this.latest, this.key, c, true, this.judgeVictim);
  }

  private readonly judgeVictim = (c: PacketContext, d: number): void => this.judge(c, d);

  private judge(c: PacketContext, d: number): void {
    const D = c.hosts.byDst;
    const echoes = D.value(d, SCALE_10S, HF_ECHO_REQ, c.t);
    if (echoes < this.cfg.minEchoRequests || !this.gate.open(d, c.t)) return;
    const L = this.latest;
    const victim = L.dst(d);
    const src = L.src(d);
    const sources = D.distinct(d, SCALE_10S, HB_PEERS);
    const v6 = L.proto(d) === IPPROTO_ICMPV6;
    c.hub.raise({
      detector: this.name,
      variant: v6 ? 2 : 1,
      detail: `${Math.round(echoes)} echo requests to ${victim} in 10 s from ${sources === 1 ? src : `${countText(sources, D.bitmapBits)} sources`}`,
      key: `icmp_flood|${victim}`,
      src, dst: victim, proto: v6 ? 'IPv6-ICMP' : 'ICMP', icmpType: v6 ? 128 : 8, icmpCode: 0,
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
