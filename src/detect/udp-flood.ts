// UDP flood: a victim receiving UDP far beyond normal use and answering almost none of it, not from
// reflector ports (see reflection).

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_UDP } from '../decode/packet-record.js';
import { countText } from '../track/linear-count.js';
import { HB_PEERS, HB_PORTS, HF_BYTES, HF_REFLECTED, HF_UDP, SCALE_10S } from '../track/host-windows.js';
import { RaiseGate, windowLabel, type Detector, type PacketContext } from './detector.js';
import { OverThresholdPackets, drainVictims, withCommunityId } from './over-threshold-packets.js';

export class UdpFloodDetector implements Detector {
  readonly name = 'udp_flood' as const;
  private cfg: DetectionConfig['udpFlood'];
  private readonly gate: RaiseGate;
  /** Per victim (host-window entry), the latest UDP packet over the threshold: what the alert names. */
  private readonly latest: OverThresholdPackets;
  private readonly key = new Uint32Array(4);

  constructor(cfg: DetectionConfig['udpFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.gate = new RaiseGate(hostCapacity, true);
    this.latest = new OverThresholdPackets(hostCapacity);
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
    const udp = D.value(d, SCALE_10S, HF_UDP, c.t);
    if (udp < this.cfg.minPackets) return;
    const reflected = D.value(d, SCALE_10S, HF_REFLECTED, c.t);
    if (reflected > udp / 2) return;
    const bytes = D.value(d, SCALE_10S, HF_BYTES, c.t);
    if (bytes < this.cfg.minBytes) return;
    // A server answering its clients (a busy resolver) is not flooded: a flood goes unanswered.
    const L = this.latest;
    const vs = c.hosts.bySrc.find(L.dstWords, L.dstOffset(d), c.t);
    const answered = vs >= 0 ? c.hosts.bySrc.value(vs, SCALE_10S, HF_UDP, c.t) : 0;
    if (answered > 0.1 * udp || !this.gate.open(d, c.t)) return;
    const victim = L.dst(d);
    const src = L.src(d);
    const sources = D.distinct(d, SCALE_10S, HB_PEERS);
    c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${Math.round(udp)} UDP packets to ${victim} in 10 s from ${sources === 1 ? src : `${countText(sources, D.bitmapBits)} sources`}`,
      key: `udp_flood|${victim}`,
      src, dst: victim, srcPort: L.srcPort(d), dstPort: L.dstPort(d), proto: 'UDP', ...withCommunityId(L.communityId(d)),
      score: udp / this.cfg.minPackets,
      threshold: this.cfg.minPackets,
      evidence: { udp_packets: Math.round(udp), udp_answers: Math.round(answered), bytes: Math.round(bytes), distinct_sources: sources, distinct_ports: D.distinct(d, SCALE_10S, HB_PORTS), victim },
      window: windowLabel(10),
    }, c.t);
  }
}
