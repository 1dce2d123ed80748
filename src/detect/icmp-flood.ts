// ICMP flood: echo requests to one victim far beyond what pings send.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, isEchoRequest } from '../decode/packet-record.js';
import { countText } from '../track/linear-count.js';
import { HB_PEERS, HF_BYTES, HF_ECHO_REQ, HF_PKTS, SCALE_10S } from '../track/host-windows.js';
import { windowLabel, type Detector, type PacketContext } from './detector.js';
import { KeptRaises } from './over-threshold-packets.js';

export class IcmpFloodDetector implements Detector {
  readonly name = 'icmp_flood' as const;
  private cfg: DetectionConfig['icmpFlood'];
  /** Per victim (host-window entry): the raise gate, and the latest echo request over the threshold, which the alert names. */
  private readonly victims: KeptRaises;

  constructor(cfg: DetectionConfig['icmpFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.victims = new KeptRaises(hostCapacity, (c, d) => this.judge(c, d));
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.icmpFlood;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || (rec.ipProto !== IPPROTO_ICMP && rec.ipProto !== IPPROTO_ICMPV6)) return;
    if (!isEchoRequest(rec)) return;
    const d = c.hosts.dstSlot;
    if (c.hosts.byDst.value(d, SCALE_10S, HF_ECHO_REQ, c.t) < this.cfg.minEchoRequests) return;
    this.victims.over(c, d);
  }

  /** Once a second: victims whose raise the gate refused are judged again, so the incident has the latest count. */
  tick(c: PacketContext): void {
    this.victims.drain(c, false);
  }

  /** End of input: the same, with the gate open (a flood over within a second is filed with all it sent). */
  finish(c: PacketContext): void {
    this.victims.drain(c, true);
  }

  private judge(c: PacketContext, d: number): void {
    const D = c.hosts.byDst;
    const echoes = D.value(d, SCALE_10S, HF_ECHO_REQ, c.t);
    if (echoes < this.cfg.minEchoRequests || !this.victims.gate.open(d, c.t, c.hub.position)) return;
    const L = this.victims.latest;
    const victim = L.dst(d);
    const src = L.src(d);
    const sources = D.distinct(d, SCALE_10S, HB_PEERS, c.t);
    const v6 = L.proto(d) === IPPROTO_ICMPV6;
    const raised = c.hub.raise({
      detector: this.name,
      variant: v6 ? 2 : 1,
      detail: `${Math.round(echoes)} echo requests to ${victim} in 10 s from ${sources === 1 ? src : `${countText(sources, D.bitmapBits)} sources`}`,
      key: `icmp_flood|${victim}`,
      src, dst: victim, proto: v6 ? 'IPv6-ICMP' : 'ICMP', icmpType: v6 ? 128 : 8, icmpCode: 0, ...L.flowFields(d),
      score: echoes / this.cfg.minEchoRequests,
      threshold: this.cfg.minEchoRequests,
      evidence: {
        echo_requests: Math.round(echoes), distinct_sources: sources, victim,
        packets: Math.round(D.value(d, SCALE_10S, HF_PKTS, c.t)), bytes: Math.round(D.value(d, SCALE_10S, HF_BYTES, c.t)),
      },
      window: windowLabel(10),
    }, c.t);
    if (raised) L.markFlow(d, c.flows);
  }
}
