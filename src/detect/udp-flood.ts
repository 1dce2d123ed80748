// UDP flood: a victim receiving UDP far beyond normal use and answering almost none of it, not from
// reflector ports (see reflection).

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_UDP } from '../decode/packet-record.js';
import { countText } from '../track/linear-count.js';
import { HB_PEERS, HB_PORTS, HF_BYTES, HF_REFLECTED, HF_UDP, SCALE_10S } from '../track/host-windows.js';
import { windowLabel, type Detector, type PacketContext } from './detector.js';
import { KeptRaises } from './over-threshold-packets.js';

export class UdpFloodDetector implements Detector {
  readonly name = 'udp_flood' as const;
  private cfg: DetectionConfig['udpFlood'];
  /** Per victim (host-window entry): the raise gate, and the latest UDP packet over the threshold, which the alert names. */
  private readonly victims: KeptRaises;

  constructor(cfg: DetectionConfig['udpFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.victims = new KeptRaises(hostCapacity, (c, d) => this.judge(c, d));
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.udpFlood;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || rec.ipProto !== IPPROTO_UDP) return;
    const d = c.hosts.dstSlot;
    if (c.hosts.byDst.value(d, SCALE_10S, HF_UDP, c.t) < this.cfg.minPackets) return;
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
    const udp = D.value(d, SCALE_10S, HF_UDP, c.t);
    if (udp < this.cfg.minPackets) return;
    const reflected = D.value(d, SCALE_10S, HF_REFLECTED, c.t);
    if (reflected > udp / 2) return;
    const bytes = D.value(d, SCALE_10S, HF_BYTES, c.t);
    if (bytes < this.cfg.minBytes) return;
    // A server answering its clients (a busy resolver) is not flooded: a flood goes unanswered.
    const L = this.victims.latest;
    const vs = c.hosts.bySrc.find(L.dstWords, L.dstOffset(d), c.t);
    const answered = vs >= 0 ? c.hosts.bySrc.value(vs, SCALE_10S, HF_UDP, c.t) : 0;
    if (answered > 0.1 * udp || !this.victims.gate.open(d, c.t, c.hub.position)) return;
    const victim = L.dst(d);
    const src = L.src(d);
    const sources = D.distinct(d, SCALE_10S, HB_PEERS, c.t);
    const raised = c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${Math.round(udp)} UDP packets to ${victim} in 10 s from ${sources === 1 ? src : `${countText(sources, D.bitmapBits)} sources`}`,
      key: `udp_flood|${victim}`,
      src, dst: victim, srcPort: L.srcPort(d), dstPort: L.dstPort(d), proto: 'UDP', ...L.flowFields(d),
      score: udp / this.cfg.minPackets,
      threshold: this.cfg.minPackets,
      evidence: { udp_packets: Math.round(udp), udp_answers: Math.round(answered), bytes: Math.round(bytes), distinct_sources: sources, distinct_ports: D.distinct(d, SCALE_10S, HB_PORTS, c.t), victim },
      window: windowLabel(10),
    }, c.t);
    if (raised) L.markFlow(d, c.flows);
  }
}
