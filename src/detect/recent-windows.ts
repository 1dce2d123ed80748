// The host windows the daemon refreshes the model from: a bounded, uniform sample (reservoir sampling,
// Vitter's algorithm R, seeded) of the windows that raised no alert since the last refresh. A ring of
// the latest windows would hold only the last hours of a busy network (50,000 windows are 2 hours of 200
// hosts), so a refresh at 03:43 would learn night traffic; the sample covers the whole period.

import { FEATURE_COUNT, FEATURE_INDEX } from './feature-set.js';
import type { RarityTables } from './anomaly-model.js';
import type { TrainingSet } from './model-training.js';
import { SeededRandom } from './seeded-random.js';
import { AlertSpans } from './alert-spans.js';

/** Hosts whose alert spans are kept (alert-spans.ts): the least recently named are forgotten first. */
const SPAN_HOSTS = 65_536;

export class RecentWindows {
  readonly capacity: number;
  private readonly rows: Float64Array;
  private readonly hosts: string[];
  private readonly starts: Float64Array;
  private filled = 0;
  private rng = new SeededRandom(1);
  /** Windows offered since the last reset (the sample holds `size` of them). */
  added = 0;
  /** Earliest and latest window start offered since the last reset. */
  private firstStart = Infinity;
  private lastStart = -Infinity;
  /**
   * Where alerts named hosts, with their windows: a window sampled before an alert named its host within
   * the alert's window (an attack's lead-in) is left out of the training set. Kept across refreshes (a
   * span may reach back before one).
   */
  readonly alertSpans = new AlertSpans(SPAN_HOSTS);

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
    this.rows = new Float64Array(this.capacity * FEATURE_COUNT);
    this.hosts = new Array<string>(this.capacity).fill('');
    this.starts = new Float64Array(this.capacity);
  }

  get size(): number { return this.filled; }

  /** The share of the windows offered that the sample holds (1 until it is full). */
  get sampledShare(): number { return this.added === 0 ? 1 : this.filled / this.added; }

  add(row: ArrayLike<number>, host: string, start: number): void {
    this.added++;
    if (start < this.firstStart) this.firstStart = start;
    if (start > this.lastStart) this.lastStart = start;
    let i = this.filled;
    if (i < this.capacity) this.filled++;
    else {
      // Window k (1-based) replaces a random member with probability capacity / k.
      i = this.rng.below(this.added);
      if (i >= this.capacity) return;
    }
    for (let f = 0; f < FEATURE_COUNT; f++) this.rows[i * FEATURE_COUNT + f] = row[f];
    this.hosts[i] = host;
    this.starts[i] = start;
  }

  /** Starts a new period (after a refresh): the next refresh learns from what comes after it. */
  reset(): void {
    this.filled = 0;
    this.added = 0;
    this.firstStart = Infinity;
    this.lastStart = -Infinity;
    this.rng = new SeededRandom(1);
  }

  /**
   * The sample as a training set, in time order. Its duration is the period's packet time times the
   * sampled share: the sample is that share of the period's windows, so an alert budget per day of
   * traffic turns into the right number of windows.
   */
  toTrainingSet(windowSec: number, rarity: RarityTables, source: string): TrainingSet {
    const n = this.filled;
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => this.starts[a] - this.starts[b] || a - b);
    const rows: Float64Array[] = [];
    const hosts: string[] = [];
    const starts: number[] = [];
    let packets = 0;
    let alerted = 0;
    for (const i of order) {
      if (this.alertSpans.covers(this.hosts[i], this.starts[i], this.starts[i] + windowSec)) { alerted++; continue; }
      rows.push(this.rows.slice(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
      hosts.push(this.hosts[i]);
      starts.push(this.starts[i]);
      packets += this.rows[i * FEATURE_COUNT + FEATURE_INDEX.packets_out];
    }
    const span = n > 0 ? this.lastStart - this.firstStart + windowSec : 0;
    return {
      rows, hosts, starts, files: [source], packets, durationSec: span * this.sampledShare,
      windowsTotal: n, windowsTooSmall: 0, windowsAlerted: alerted, rarity,
    };
  }
}
