// High-traffic host: a source sending far above its own recent baseline AND above an absolute floor.
// Rule: bytes (or packets) in the last 10 s >= max(floor, factor x the host's average 10 s volume),
// only once the host has at least minHistoryWindows windows of history; so a new host, or a bulk
// transfer below the floor (500 MB or 500,000 packets in 10 s by default), never alerts on volume alone.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { wordsToString, writeSrc } from '../track/address-key.js';
import { WindowTable } from '../track/window-table.js';
import { RaiseGate, dstString, windowLabel, type Detector, type PacketContext } from './detector.js';

const F_BYTES = 0;
const F_PKTS = 1;
// Kept across windows:
const K_BASE_BYTES = 2;
const K_BASE_PKTS = 3;
const K_WINDOWS = 4;
/** Weight of the newest window in the baseline (an exponentially weighted mean of about 20 windows). */
const ALPHA = 0.05;

export class HighTrafficDetector implements Detector {
  readonly name = 'high_traffic' as const;
  private readonly cfg: DetectionConfig['highTraffic'];
  private readonly hosts: WindowTable;
  private readonly gate: RaiseGate;
  private readonly key = new Uint32Array(4);

  constructor(cfg: DetectionConfig['highTraffic'], capacity: number) {
    this.cfg = cfg;
    this.hosts = new WindowTable({
      capacity, keyWords: 4, fields: 5, keptFields: 3, scales: [cfg.windowSec],
      onRoll: (s, gap) => this.learn(s, gap),
    });
    this.gate = new RaiseGate(capacity);
  }

  /** Folds the finished window (and any empty ones after it) into the host's baseline. */
  private learn(s: number, gap: number): void {
    const T = this.hosts;
    let b = T.kept(s, K_BASE_BYTES);
    let p = T.kept(s, K_BASE_PKTS);
    let n = T.kept(s, K_WINDOWS);
    const bytes = gap === 1 ? T.previous(s, 0, F_BYTES) : 0;
    const pkts = gap === 1 ? T.previous(s, 0, F_PKTS) : 0;
    // The first windows set the baseline directly; then it moves slowly.
    const a = n < 1 / ALPHA ? 1 / (n + 1) : ALPHA;
    b += a * (bytes - b);
    p += a * (pkts - p);
    for (let i = 1; i < Math.min(gap, 100); i++) { b *= 1 - ALPHA; p *= 1 - ALPHA; }
    n += Math.min(gap, 1000);
    T.setKept(s, K_BASE_BYTES, b);
    T.setKept(s, K_BASE_PKTS, p);
    T.setKept(s, K_WINDOWS, n);
  }

  packet(c: PacketContext): void {
    if (!c.isIp) return;
    const rec = c.rec;
    const k = this.key;
    writeSrc(k, 0, rec);
    const T = this.hosts;
    const s = T.touch(k, 0, c.t);
    T.add(s, F_BYTES, rec.wireLen);
    T.add(s, F_PKTS, 1);
    const cfg = this.cfg;
    const bytes = T.value(s, 0, F_BYTES, c.t);
    const pkts = T.value(s, 0, F_PKTS, c.t);
    if (bytes < cfg.minBytes && pkts < cfg.minPackets) return;
    if (T.kept(s, K_WINDOWS) < cfg.minHistoryWindows) return;
    const baseB = T.kept(s, K_BASE_BYTES);
    const baseP = T.kept(s, K_BASE_PKTS);
    const overB = bytes >= cfg.minBytes && bytes >= cfg.factor * baseB;
    const overP = pkts >= cfg.minPackets && pkts >= cfg.factor * baseP;
    if ((!overB && !overP) || !this.gate.open(s, c.t)) return;
    const src = wordsToString(k, 0);
    const ratio = overB ? bytes / Math.max(1, baseB) : pkts / Math.max(1, baseP);
    c.hub.raise({
      detector: this.name,
      variant: overB ? 1 : 2,
      detail: `${src} sent ${overB ? `${Math.round(bytes / 1e6)} MB` : `${Math.round(pkts)} packets`} in ${cfg.windowSec} s, ${Math.round(ratio)}x its baseline`,
      key: `high_traffic|${src}`,
      src, dst: dstString(rec), proto: 'IP',
      score: ratio / cfg.factor,
      threshold: cfg.factor,
      evidence: {
        bytes: Math.round(bytes), packets: Math.round(pkts), baseline_bytes: Math.round(baseB), baseline_packets: Math.round(baseP),
        history_windows: T.kept(s, K_WINDOWS), floor_bytes: cfg.minBytes, floor_packets: cfg.minPackets,
      },
      window: windowLabel(cfg.windowSec),
    }, c.t);
  }
}
