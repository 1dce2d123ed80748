// UDP flood: a victim receiving UDP far beyond normal use and answering almost none of it, not from
// reflector ports (see reflection).

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_UDP } from '../decode/packet-record.js';
import { HB_PEERS, HB_PORTS, HF_BYTES, HF_REFLECTED, HF_UDP, SCALE_10S } from '../track/host-windows.js';
import { RaiseGate, dstString, srcString, windowLabel, type Detector, type PacketContext } from './detector.js';

export class UdpFloodDetector implements Detector {
  readonly name = 'udp_flood' as const;
  private cfg: DetectionConfig['udpFlood'];
  private readonly gate: RaiseGate;

  constructor(cfg: DetectionConfig['udpFlood'], hostCapacity: number) {
    this.cfg = cfg;
    this.gate = new RaiseGate(hostCapacity);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.udpFlood;
  }


  packet(c: PacketContext): void {
    const rec = c.rec;
    if (!c.isIp || rec.ipProto !== IPPROTO_UDP) return;
    const D = c.hosts.byDst;
    const d = c.hosts.dstSlot;
    const udp = D.value(d, SCALE_10S, HF_UDP, c.t);
    if (udp < this.cfg.minPackets) return;
    const reflected = D.value(d, SCALE_10S, HF_REFLECTED, c.t);
    if (reflected > udp / 2) return;
    const bytes = D.value(d, SCALE_10S, HF_BYTES, c.t);
    if (bytes < this.cfg.minBytes) return;
    // A server answering its clients (a busy resolver) is not flooded: a flood goes unanswered.
    const k = c.hosts.key;
    const vs = c.hosts.bySrc.find(k, 4, c.t);
    const answered = vs >= 0 ? c.hosts.bySrc.value(vs, SCALE_10S, HF_UDP, c.t) : 0;
    if (answered > 0.1 * udp || !this.gate.open(d, c.t)) return;
    const victim = dstString(rec);
    const sources = D.distinct(d, SCALE_10S, HB_PEERS);
    c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${Math.round(udp)} UDP packets to ${victim} in 10 s from ${sources === 1 ? srcString(rec) : `${sources} sources`}`,
      key: `udp_flood|${victim}`,
      src: srcString(rec), dst: victim, srcPort: rec.srcPort, dstPort: rec.dstPort, proto: 'UDP',
      score: udp / this.cfg.minPackets,
      threshold: this.cfg.minPackets,
      evidence: { udp_packets: Math.round(udp), udp_answers: Math.round(answered), bytes: Math.round(bytes), distinct_sources: sources, distinct_ports: D.distinct(d, SCALE_10S, HB_PORTS), victim },
      window: windowLabel(10),
    }, c.t);
  }
}
