// Slow HTTP (slowloris): many concurrent, long-lived, nearly empty connections from one source to one
// web server port, found by a once-a-second pass over the flow table.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP } from '../decode/packet-record.js';
import { wordsToString } from '../track/address-key.js';
import { H_SYNACK, type FlowTable } from '../track/flow-table.js';
import type { RaiseRequest } from '../alert/alert-hub.js';
import type { Detector, PacketContext } from './detector.js';

interface Group {
  flows: number;
  bytes: number;
  oldest: number;
  slot: number;
}

export class SlowlorisDetector implements Detector {
  readonly name = 'slowloris' as const;
  private cfg: DetectionConfig['slowloris'];
  private readonly ports = new Uint8Array(65536);
  /** Reused between passes; holds only groups of qualifying flows. */
  private readonly groups = new Map<string, Group>();

  constructor(cfg: DetectionConfig['slowloris']) {
    this.cfg = cfg;
    for (const p of cfg.ports) this.ports[p] = 1;
  }
  /** SIGHUP: new thresholds and service ports. */
  configure(all: DetectionConfig): void {
    this.cfg = all.slowloris;
    this.ports.fill(0);
    for (const p of this.cfg.ports) this.ports[p] = 1;
  }


  packet(): void { /* all work is in tick() */ }

  tick(c: PacketContext): void {
    const flows: FlowTable = c.flows;
    const cfg = this.cfg;
    const groups = this.groups;
    groups.clear();
    const t = c.t;
    for (let s = 0; s < flows.capacity; s++) {
      if (!flows.isUsed(s) || flows.proto[s] !== IPPROTO_TCP || flows.closing[s] !== 0) continue;
      if (this.ports[flows.respPort(s)] === 0) continue;
      if ((flows.hist[s * 2 + 1] & H_SYNACK) === 0) continue;
      const age = t - flows.first[s];
      const sent = flows.bytes[s * 2];
      if (age < cfg.minAgeSec || sent > cfg.maxBytesPerConnection) continue;
      const o = flows.origAddrOffset(s);
      const r = flows.respAddrOffset(s);
      const a = flows.addrs;
      const key = `${a[o]},${a[o + 1]},${a[o + 2]},${a[o + 3]}|${a[r]},${a[r + 1]},${a[r + 2]},${a[r + 3]}|${flows.respPort(s)}`;
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { flows: 1, bytes: sent, oldest: age, slot: s });
      else { g.flows++; g.bytes += sent; if (age > g.oldest) g.oldest = age; }
    }
    for (const g of groups.values()) {
      if (g.flows < cfg.minConnections) continue;
      const s = g.slot;
      const src = wordsToString(flows.addrs, flows.origAddrOffset(s));
      const dst = wordsToString(flows.addrs, flows.respAddrOffset(s));
      // Raised every pass while it lasts: the hub suppresses repeats and keeps the incident current.
      c.hub.raise(this.request(src, dst, flows.respPort(s), g), t);
    }
  }

  private request(src: string, dst: string, port: number, g: Group): RaiseRequest {
    const cfg = this.cfg;
    return {
      detector: this.name,
      variant: 1,
      detail: `${g.flows} slow connections from ${src} to ${dst}:${port}`,
      key: `slowloris|${src}|${dst}|${port}`,
      src, dst, dstPort: port, proto: 'TCP',
      score: g.flows / cfg.minConnections,
      threshold: cfg.minConnections,
      evidence: {
        open_connections: g.flows, mean_bytes_sent: Math.round(g.bytes / g.flows), oldest_seconds: Math.round(g.oldest),
        min_age_seconds: cfg.minAgeSec, max_bytes_per_connection: cfg.maxBytesPerConnection,
      },
      window: `${cfg.minAgeSec}s+`,
    };
  }
}
