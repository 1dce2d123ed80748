// Collects the host windows a model is trained on, with the same feature code that scores them later.
// Windows of hosts that any detector named while the window was open, or within the alert's own window
// before it (alert-spans.ts: the lead-in of a brute force), are left out (an attack in the training
// traffic must not become normal), as are windows of fewer than minPackets packets.

import type { AlertHub } from '../alert/alert-hub.js';
import { wordsToString } from '../track/address-key.js';
import { HostFeatureTable } from '../track/host-features.js';
import type { RarityTables } from './anomaly-model.js';
import { markAlertedHosts } from './anomaly-detector.js';
import { AlertSpans } from './alert-spans.js';
import type { Detector, PacketContext } from './detector.js';
import { FEATURE_INDEX } from './feature-set.js';
import type { TrainingSet } from './model-training.js';

export class TrainingCollector implements Detector {
  readonly name = 'anomaly' as const;
  /** One table per phase: windows of the same length on grids shifted by windowSec / phases. */
  readonly tables: HostFeatureTable[];
  private readonly minPackets: number;
  private readonly scratch = new Uint32Array(4);
  /** Every window of at least minPackets packets, with its host, start and whether an alert named the host. */
  readonly rows: Float64Array[] = [];
  readonly hosts: string[] = [];
  readonly starts: number[] = [];
  readonly alerted: boolean[] = [];
  windowsTotal = 0;
  windowsTooSmall = 0;
  windowsAlerted = 0;
  /** Packet-time span per input (first and last packet), summed at the end of each file. */
  private first = NaN;
  private last = NaN;
  spanSec = 0;
  private file: string | null | undefined = undefined;
  private readonly hub: AlertHub;
  private readonly windowSec: number;
  /** Where alerts named hosts, with their windows: applied to the windows at the end (finish). */
  private readonly spans = new AlertSpans(1 << 20);

  constructor(windowSec: number, minPackets: number, hostCapacity: number, hub: AlertHub, phases = 1) {
    this.minPackets = minPackets;
    this.hub = hub;
    this.windowSec = windowSec;
    this.tables = [];
    for (let p = 0; p < phases; p++) {
      const table = new HostFeatureTable(windowSec, hostCapacity, (p * windowSec) / phases);
      table.onWindow = (key, off, start, row, slot) => {
        this.windowsTotal++;
        if (row[FEATURE_INDEX.packets_out] + row[FEATURE_INDEX.packets_in] < this.minPackets) { this.windowsTooSmall++; return; }
        const alerted = table.alerted[slot] === 1;
        if (alerted) this.windowsAlerted++;
        this.rows.push(Float64Array.from(row));
        this.hosts.push(wordsToString(key, off));
        this.starts.push(start);
        this.alerted.push(alerted);
      };
      this.tables.push(table);
    }
    // Every raise, suppressed repeats included; a new service is not an attack, so rare_service does not count.
    hub.observers.push((r) => {
      if (r.detector === 'rare_service') return;
      for (const table of this.tables) markAlertedHosts(table, r.src, r.dst, this.scratch);
      this.spans.addRaise(r, this.hub.position, this.hub.now);
    });
  }

  packet(c: PacketContext): void {
    const f = this.hub.position.file;
    if (f !== this.file) {
      if (this.file !== undefined) this.endOfFile();
      this.file = f;
    }
    if (Number.isNaN(this.first)) this.first = c.t;
    this.last = c.t;
    const closed = c.flowSlot >= 0 && c.flows.lastClosing;
    for (const table of this.tables) {
      if (c.isIp) table.update(c.rec, c.t);
      else table.advance(c.t);
      if (closed) table.connectionClosed(c.flows, c.flowSlot, c.t);
    }
  }

  /** End of one input file: its last window closes and its span is added (files may be far apart in time). */
  private endOfFile(): void {
    for (const table of this.tables) {
      table.closeAll();
      table.start = NaN;
    }
    if (!Number.isNaN(this.first)) this.spanSec += Math.max(0, this.last - this.first);
    this.first = NaN;
    this.last = NaN;
  }

  finish(): void {
    this.endOfFile();
    // Windows that closed before an alert named their host within the alert's window: the attack's lead-in.
    const w = this.windowSec;
    for (let i = 0; i < this.rows.length; i++) {
      if (!this.alerted[i] && this.spans.covers(this.hosts[i], this.starts[i], this.starts[i] + w)) {
        this.alerted[i] = true;
        this.windowsAlerted++;
      }
    }
  }

  /** The windows no alert named, ready to train on. */
  trainingSet(files: string[], packets: number, rarity: RarityTables): TrainingSet {
    const keep = this.alerted.map((a) => !a);
    return {
      rows: this.rows.filter((_, i) => keep[i]), hosts: this.hosts.filter((_, i) => keep[i]), starts: this.starts.filter((_, i) => keep[i]), files, packets, durationSec: this.spanSec,
      windowsTotal: this.windowsTotal, windowsTooSmall: this.windowsTooSmall, windowsAlerted: this.windowsAlerted, rarity,
    };
  }
}
