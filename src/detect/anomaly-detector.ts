// The model as a detector: host feature windows are scored as they close; a window above the model's
// threshold raises an `anomaly` alert that carries the score, the threshold and the features that stand
// out against the host's (or the network's) baseline. Windows that raised no alert, and whose host no
// other detector named, are kept (bounded) for the daemon's scheduled refresh.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { wordsToString } from '../track/address-key.js';
import { parseAddressWords } from '../track/address-parse.js';
import { HostFeatureTable } from '../track/host-features.js';
import { contributionText } from './feature-baseline.js';
import { FEATURE_INDEX, featureSide } from './feature-set.js';
import type { AnomalyModel } from './anomaly-model.js';
import { RecentWindows } from './recent-windows.js';
import type { Detector, PacketContext } from './detector.js';
import type { AlertHub, PacketPosition } from '../alert/alert-hub.js';

const VARIANT: Record<AnomalyModel['type'], number> = { 'isolation-forest': 1, autoencoder: 2 };

/** Marks the hosts a raise names (source and destination) as alerted in the open feature window. */
export function markAlertedHosts(table: HostFeatureTable, src: string, dst: string, scratch: Uint32Array): void {
  if (parseAddressWords(src, scratch, 0)) table.markAlerted(scratch, 0);
  if (dst !== src && parseAddressWords(dst, scratch, 0)) table.markAlerted(scratch, 0);
}

export class AnomalyDetector implements Detector {
  readonly name = 'anomaly' as const;
  private model: AnomalyModel;
  readonly table: HostFeatureTable;
  /** Clean windows for a refresh (daemon); null when not kept. */
  readonly recent: RecentWindows | null;
  private cfg: DetectionConfig['anomaly'];
  private readonly hub: AlertHub;
  private readonly scratch = new Uint32Array(4);
  /**
   * The last packet counted in the windows so far (its time and position): a window closes when a packet
   * of the next one comes, perhaps from the next file, but its alert belongs to the traffic it counted.
   */
  private lastT = 0;
  private readonly last: PacketPosition = { tsSec: 0, tsNsec: 0, file: null, index: 0 };
  windowsScored = 0;
  windowsTooSmall = 0;
  windowsAbove = 0;
  windowsUnscorable = 0;
  /** Windows above the threshold since the last refresh: they are not in the refresh's training set. */
  aboveSinceRefresh = 0;

  constructor(model: AnomalyModel, cfg: DetectionConfig['anomaly'], hub: AlertHub, keepRecent: boolean) {
    this.model = model;
    this.cfg = cfg;
    this.hub = hub;
    this.table = new HostFeatureTable(model.file.window_sec, cfg.hostCapacity);
    this.table.onWindow = (key, off, start, row, slot) => this.judge(key, off, start, row, slot);
    this.recent = keepRecent ? new RecentWindows(cfg.refreshWindows) : null;
    // Every raise, suppressed repeats included: an attack's later windows are not clean either. As in
    // training (training-collector.ts), a new service (rare_service) is not an attack: its host's windows stay.
    // The windows that led up to an alert, sampled before it, are left out of the refresh too (alert-spans.ts).
    hub.observers.push((r) => {
      if (r.detector === this.name || r.detector === 'rare_service') return;
      markAlertedHosts(this.table, r.src, r.dst, this.scratch);
      this.recent?.alertSpans.addRaise(r, hub.position, hub.now);
    });
  }

  get current(): AnomalyModel { return this.model; }

  /** A refreshed model of the same window length replaces the current one; tables stay. */
  replaceModel(m: AnomalyModel): void {
    if (m.file.window_sec !== this.model.file.window_sec) throw new Error('a replacement model must keep the window length');
    this.model = m;
    this.aboveSinceRefresh = 0;
  }

  configure(all: DetectionConfig): void {
    this.cfg = all.anomaly;
  }

  packet(c: PacketContext): void {
    if (c.isIp) this.table.update(c.rec, c.t);
    else this.table.advance(c.t);
    if (c.flowSlot >= 0 && c.flows.lastClosing) this.table.connectionClosed(c.flows, c.flowSlot, c.t);
    const pos = this.hub.position;
    const last = this.last;
    this.lastT = c.t;
    last.tsSec = pos.tsSec;
    last.tsNsec = pos.tsNsec;
    last.file = pos.file;
    last.index = pos.index;
  }

  /**
   * Once a second of packet time: windows that have ended close. Packets close them as they come; this is
   * for a quiet live link (DetectionEngine.idle), where the last window otherwise waited for the next packet.
   */
  tick(c: PacketContext): void {
    this.table.advance(c.t);
  }

  finish(): void {
    this.table.closeAll();
  }

  private judge(key: Uint32Array, off: number, start: number, row: Float64Array, slot: number): void {
    const m = this.model;
    const F = FEATURE_INDEX;
    const packets = row[F.packets_out] + row[F.packets_in];
    if (packets < m.file.min_packets) { this.windowsTooSmall++; return; }
    this.windowsScored++;
    const score = m.score(row);
    // A damaged model could give NaN, which no comparison puts below the threshold: never an alert.
    if (!Number.isFinite(score)) { this.windowsUnscorable++; return; }
    const host = wordsToString(key, off);
    if (score <= m.threshold) {
      if (this.recent !== null && this.table.alerted[slot] !== 1) this.recent.add(row, host, start);
      return;
    }
    this.windowsAbove++;
    this.aboveSinceRefresh++;
    const top = m.explain(row, host, this.cfg.topFeatures);
    // Sender or receiver by what stands out above its baseline (a brute-forcer's replies can outnumber its
    // packets; a flood victim that sends nothing is below on what it sends), else by volume.
    let lean = 0;
    for (const c of top) {
      if (!(c.mads > 0)) continue;
      const side = featureSide(c.feature);
      lean += side === 'sent' ? 1 : side === 'received' ? -1 : 0;
    }
    const sender = lean !== 0 ? lean > 0 : row[F.packets_out] >= row[F.packets_in];
    const w = m.file.window_sec;
    // Raised at the last packet before the one that closed the window (at the end, the last packet).
    this.hub.raise({
      detector: this.name, variant: VARIANT[m.type],
      detail: `${host} ${sender ? 'sent' : 'received'} unusual traffic: ${top.map(contributionText).join('; ')}`,
      key: `anomaly|${host}`,
      src: host, dst: host, proto: 'IP',
      score, threshold: m.threshold,
      evidence: {
        host, role: sender ? 'sender' : 'receiver', model_type: m.type, window_start: start, packets,
        top_features: top,
      },
      window: `${w}s`,
    }, this.lastT, this.last);
  }
}
