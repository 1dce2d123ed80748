// High-traffic host: a source sending far above its own recent baseline AND above an absolute floor.
// Rule: bytes (or packets) in the last 10 s >= max(floor, factor x the host's average 10 s volume),
// only once the host has at least minHistoryWindows windows of history; so a new host, or a bulk
// transfer below the floor (500 MB or 500,000 packets in 10 s by default), never alerts on volume alone.
// The counts and the baseline live in the host windows (source side, 10 s scale).

import type { DetectionConfig } from '../config/detection-defaults.js';
import { wordsToString } from '../track/address-key.js';
import { HF_BYTES, HF_PKTS, HK_BASE_BYTES, HK_BASE_PKTS, HK_WINDOWS, SCALE_10S, type HostWindows } from '../track/host-windows.js';
import { RaiseGate, dstString, type Detector, type PacketContext } from './detector.js';

/** Weight of the newest window in the baseline (an exponentially weighted mean of about 20 windows). */
const ALPHA = 0.05;

export class HighTrafficDetector implements Detector {
  readonly name = 'high_traffic' as const;
  private cfg: DetectionConfig['highTraffic'];
  private readonly hosts: HostWindows;
  private readonly gate: RaiseGate;
  private readonly key = new Uint32Array(4);

  constructor(cfg: DetectionConfig['highTraffic'], hosts: HostWindows) {
    this.cfg = cfg;
    this.hosts = hosts;
    this.gate = new RaiseGate(hosts.bySrc.capacity);
    hosts.onSourceWindow = (s, empty) => this.learn(s, empty);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.highTraffic;
  }


  /** Folds the finished 10 s window (emptyWindows 0), or that many empty windows, into the baseline. */
  private learn(s: number, emptyWindows: number): void {
    const T = this.hosts.bySrc;
    let b = T.kept(s, HK_BASE_BYTES);
    let p = T.kept(s, HK_BASE_PKTS);
    let n = T.kept(s, HK_WINDOWS);
    const windows = emptyWindows === 0 ? 1 : Math.min(emptyWindows, 100);
    for (let i = 0; i < windows; i++) {
      const bytes = emptyWindows === 0 ? T.previous(s, SCALE_10S, HF_BYTES) : 0;
      const pkts = emptyWindows === 0 ? T.previous(s, SCALE_10S, HF_PKTS) : 0;
      // The first windows set the baseline directly; then it moves slowly.
      const a = n < 1 / ALPHA ? 1 / (n + 1) : ALPHA;
      b += a * (bytes - b);
      p += a * (pkts - p);
      n++;
    }
    T.setKept(s, HK_BASE_BYTES, b);
    T.setKept(s, HK_BASE_PKTS, p);
    T.setKept(s, HK_WINDOWS, n);
  }

  packet(c: PacketContext): void {
    if (!c.isIp) return;
    const cfg = this.cfg;
    const T = this.hosts.bySrc;
    const s = this.hosts.srcSlot;
    const bytes = T.value(s, SCALE_10S, HF_BYTES, c.t);
    const pkts = T.value(s, SCALE_10S, HF_PKTS, c.t);
    if (bytes < cfg.minBytes && pkts < cfg.minPackets) return;
    if (T.kept(s, HK_WINDOWS) < cfg.minHistoryWindows) return;
    const baseB = T.kept(s, HK_BASE_BYTES);
    const baseP = T.kept(s, HK_BASE_PKTS);
    const overB = bytes >= cfg.minBytes && bytes >= cfg.factor * baseB;
    const overP = pkts >= cfg.minPackets && pkts >= cfg.factor * baseP;
    if ((!overB && !overP) || !this.gate.open(s, c.t)) return;
    T.keyOf(s, this.key, 0);
    const src = wordsToString(this.key, 0);
    const ratio = overB ? bytes / Math.max(1, baseB) : pkts / Math.max(1, baseP);
    c.hub.raise({
      detector: this.name,
      variant: overB ? 1 : 2,
      detail: `${src} sent ${overB ? `${Math.round(bytes / 1e6)} MB` : `${Math.round(pkts)} packets`} in 10 s, ${Math.round(ratio)}x its baseline`,
      key: `high_traffic|${src}`,
      src, dst: dstString(c.rec), proto: 'IP',
      score: ratio / cfg.factor,
      threshold: cfg.factor,
      evidence: {
        bytes: Math.round(bytes), packets: Math.round(pkts), baseline_bytes: Math.round(baseB), baseline_packets: Math.round(baseP),
        history_windows: T.kept(s, HK_WINDOWS), floor_bytes: cfg.minBytes, floor_packets: cfg.minPackets,
      },
      window: '10s',
    }, c.t);
  }
}
