// Slow HTTP (slowloris): many concurrent, long-lived, nearly empty connections from one source to one
// web server port, found by a once-a-second pass over the flow table.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP } from '../decode/packet-record.js';
import { hashWords, wordsToString } from '../track/address-key.js';
import { H_SYNACK, type FlowTable } from '../track/flow-table.js';
import type { RaiseRequest } from '../alert/alert-hub.js';
import type { Detector, PacketContext } from './detector.js';

interface Group {
  flows: number;
  bytes: number;
  oldest: number;
  slot: number;
}

/** Same originator, responder and port as flow s2. */
function samePair(f: FlowTable, s1: number, s2: number): boolean {
  if (f.respPort(s1) !== f.respPort(s2)) return false;
  const a = f.addrs;
  const o1 = f.origAddrOffset(s1), o2 = f.origAddrOffset(s2), r1 = f.respAddrOffset(s1), r2 = f.respAddrOffset(s2);
  for (let i = 0; i < 4; i++) if (a[o1 + i] !== a[o2 + i] || a[r1 + i] !== a[r2 + i]) return false;
  return true;
}

export class SlowlorisDetector implements Detector {
  readonly name = 'slowloris' as const;
  private cfg: DetectionConfig['slowloris'];
  private readonly ports = new Uint8Array(65536);
  /** Reused between passes; holds only groups of qualifying flows, keyed by a hash of the pair (probing on collision). */
  private readonly groups = new Map<number, Group>();
  private readonly key = new Uint32Array(9);

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

  /**
   * A live TCP connection to a watched port, answered, old enough and nearly empty, that the sweep after
   * this tick leaves open (after a quiet spell past the timeout, 45 handshakes were raised as "slow" at an
   * unrelated packet 400 s on, just before the sweep closed them as idle).
   */
  private slow(flows: FlowTable, s: number, t: number): boolean {
    const cfg = this.cfg;
    if (flows.proto(s) !== IPPROTO_TCP || flows.isClosing(s)) return false;
    if (flows.closeReasonAt(s, t) >= 0) return false;
    if (this.ports[flows.respPort(s)] === 0) return false;
    if ((flows.history(s, 1) & H_SYNACK) === 0) return false;
    return t - flows.firstSeen(s) >= cfg.minAgeSec && flows.bytes(s, 0) <= cfg.maxBytesPerConnection;
  }

  tick(c: PacketContext): void {
    const flows: FlowTable = c.flows;
    const cfg = this.cfg;
    const groups = this.groups;
    const t = c.t;
    // Group by walking the records, which are packed low (a short pass); the groups do not depend on the
    // order of the walk, only the order of raising does. Usually no group reaches the threshold and that is all.
    groups.clear();
    const n = flows.recordsHandedOut;
    let largest = 0;
    for (let s = 0; s < n; s++) if (flows.isUsed(s) && this.slow(flows, s, t)) largest = Math.max(largest, this.group(flows, s, t));
    if (largest < cfg.minConnections) return;
    // Some group will raise: group again in hash-slot order, as the table has always been walked, so alerts keep their order.
    groups.clear();
    for (let i = 0; i < flows.capacity; i++) {
      const s = flows.recordAt(i);
      if (s >= 0 && this.slow(flows, s, t)) this.group(flows, s, t);
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

  /** Counts slow connection s into its group (same originator, responder and port); returns the group's size. */
  private group(flows: FlowTable, s: number, t: number): number {
    const groups = this.groups;
    const age = t - flows.firstSeen(s);
    const sent = flows.bytes(s, 0);
    const o = flows.origAddrOffset(s);
    const r = flows.respAddrOffset(s);
    const a = flows.addrs;
    const k = this.key;
    for (let i = 0; i < 4; i++) { k[i] = a[o + i]; k[4 + i] = a[r + i]; }
    k[8] = flows.respPort(s);
    let h = hashWords(k, 0, 9, 0x51ed);
    let g = groups.get(h);
    while (g !== undefined && !samePair(flows, g.slot, s)) { h = (h + 1) >>> 0; g = groups.get(h); }
    if (g === undefined) { groups.set(h, { flows: 1, bytes: sent, oldest: age, slot: s }); return 1; }
    g.flows++; g.bytes += sent; if (age > g.oldest) g.oldest = age;
    return g.flows;
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
