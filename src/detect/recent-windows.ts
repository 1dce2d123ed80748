// A bounded ring of recent host windows that raised no alert: what the daemon refreshes the model from.

import { FEATURE_COUNT, FEATURE_INDEX } from './feature-set.js';
import type { RarityTables } from './anomaly-model.js';
import type { TrainingSet } from './model-training.js';

export class RecentWindows {
  readonly capacity: number;
  private readonly rows: Float64Array;
  private readonly hosts: string[];
  private readonly starts: Float64Array;
  private next = 0;
  private filled = 0;
  /** Windows seen in all (older ones were overwritten). */
  added = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
    this.rows = new Float64Array(this.capacity * FEATURE_COUNT);
    this.hosts = new Array<string>(this.capacity).fill('');
    this.starts = new Float64Array(this.capacity);
  }

  get size(): number { return this.filled; }

  add(row: ArrayLike<number>, host: string, start: number): void {
    const i = this.next;
    for (let f = 0; f < FEATURE_COUNT; f++) this.rows[i * FEATURE_COUNT + f] = row[f];
    this.hosts[i] = host;
    this.starts[i] = start;
    this.next = (i + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
    this.added++;
  }

  /** The windows held, oldest first, as a training set; the span runs from the first window's start to the last one's end. */
  toTrainingSet(windowSec: number, rarity: RarityTables, source: string): TrainingSet {
    const n = this.filled;
    const first = n < this.capacity ? 0 : this.next;
    const rows: Float64Array[] = [];
    const hosts: string[] = [];
    const starts: number[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    let packets = 0;
    for (let k = 0; k < n; k++) {
      const i = (first + k) % this.capacity;
      rows.push(this.rows.slice(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
      hosts.push(this.hosts[i]);
      starts.push(this.starts[i]);
      packets += this.rows[i * FEATURE_COUNT + FEATURE_INDEX.packets_out];
      if (this.starts[i] < lo) lo = this.starts[i];
      if (this.starts[i] > hi) hi = this.starts[i];
    }
    return {
      rows, hosts, starts, files: [source], packets, durationSec: n > 0 ? hi - lo + windowSec : 0,
      windowsTotal: n, windowsTooSmall: 0, windowsAlerted: 0, rarity,
    };
  }
}
