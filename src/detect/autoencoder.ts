// A small ensemble of autoencoders in the style of KitNET (Mirsky et al., "Kitsune", NDSS 2018):
// features are grouped by correlation (agglomerative clustering, at most maxGroup per group), each group
// gets a denoising-autoencoder with tied weights and sigmoid units (hidden = ceil(0.75 k)), and an
// output autoencoder reconstructs the vector of the ensemble's RMSEs. The anomaly score is the output
// layer's RMSE. Inputs are min-max normalised with the training range (as KitNET does). Seedable:
// weights start from a seeded generator and the rows are visited in a seeded order.

import { SeededRandom } from './seeded-random.js';

interface DaJson { visible: number; hidden: number; w: number[]; hbias: number[]; vbias: number[]; min: number[]; max: number[] }

/** One tied-weight sigmoid autoencoder (KitNET's dA, no corruption). */
class DenoisingAutoencoder {
  readonly visible: number;
  readonly hidden: number;
  readonly w: Float64Array;
  readonly hbias: Float64Array;
  readonly vbias: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly z: Float64Array;
  private readonly lh: Float64Array;

  constructor(visible: number, hidden: number, rng: SeededRandom | null) {
    this.visible = visible;
    this.hidden = hidden;
    this.w = new Float64Array(visible * hidden);
    if (rng !== null) {
      const a = 1 / visible;
      for (let i = 0; i < this.w.length; i++) this.w[i] = (rng.next() * 2 - 1) * a;
    }
    this.hbias = new Float64Array(hidden);
    this.vbias = new Float64Array(visible);
    this.min = new Float64Array(visible).fill(Infinity);
    this.max = new Float64Array(visible).fill(-Infinity);
    this.x = new Float64Array(visible);
    this.y = new Float64Array(hidden);
    this.z = new Float64Array(visible);
    this.lh = new Float64Array(hidden);
  }

  observeRange(v: ArrayLike<number>): void {
    for (let i = 0; i < this.visible; i++) {
      if (v[i] < this.min[i]) this.min[i] = v[i];
      if (v[i] > this.max[i]) this.max[i] = v[i];
    }
  }

  /** Normalises v into x and reconstructs it into z; returns the RMSE. */
  private forward(v: ArrayLike<number>): number {
    const { x, y, z, w, visible: n, hidden: h } = this;
    // A feature constant in training keeps its own unit (the inputs are already standardised): dividing
    // by KitNET's 1e-16 would turn any later change into an error of 1e16 and drown every other group.
    for (let i = 0; i < n; i++) { const range = this.max[i] - this.min[i]; x[i] = (v[i] - this.min[i]) / (range > 0 ? range : 1); }
    for (let j = 0; j < h; j++) {
      let s = this.hbias[j];
      for (let i = 0; i < n; i++) s += x[i] * w[i * h + j];
      y[j] = 1 / (1 + Math.exp(-s));
    }
    let err = 0;
    for (let i = 0; i < n; i++) {
      let s = this.vbias[i];
      for (let j = 0; j < h; j++) s += y[j] * w[i * h + j];
      z[i] = 1 / (1 + Math.exp(-s));
      const e = x[i] - z[i];
      err += e * e;
    }
    return Math.sqrt(err / n);
  }

  /** One stochastic gradient step (KitNET's update rule); returns the RMSE before the step. */
  train(v: ArrayLike<number>, lr: number): number {
    const rmse = this.forward(v);
    const { x, y, z, w, lh, visible: n, hidden: h } = this;
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (x[i] - z[i]) * w[i * h + j];
      lh[j] = s * y[j] * (1 - y[j]);
    }
    for (let i = 0; i < n; i++) {
      const l2 = x[i] - z[i];
      for (let j = 0; j < h; j++) w[i * h + j] += lr * (x[i] * lh[j] + l2 * y[j]);
      this.vbias[i] += lr * l2;
    }
    for (let j = 0; j < h; j++) this.hbias[j] += lr * lh[j];
    return rmse;
  }

  execute(v: ArrayLike<number>): number {
    return this.forward(v);
  }

  toJSON(): DaJson {
    return { visible: this.visible, hidden: this.hidden, w: [...this.w], hbias: [...this.hbias], vbias: [...this.vbias], min: [...this.min], max: [...this.max] };
  }

  static fromJSON(j: DaJson): DenoisingAutoencoder {
    if (j === null || typeof j !== 'object' || !Number.isInteger(j.visible) || !Number.isInteger(j.hidden) || j.visible < 1 || j.hidden < 1) {
      throw new Error('an autoencoder has no valid layer sizes');
    }
    const sizes = { w: j.visible * j.hidden, hbias: j.hidden, vbias: j.visible, min: j.visible, max: j.visible };
    for (const [k, len] of Object.entries(sizes)) {
      const a = j[k as keyof typeof sizes];
      if (!Array.isArray(a) || a.length !== len || !a.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new Error(`an autoencoder's ${k} is not ${len} finite numbers`);
      }
    }
    const d = new DenoisingAutoencoder(j.visible, j.hidden, null);
    d.w.set(j.w); d.hbias.set(j.hbias); d.vbias.set(j.vbias); d.min.set(j.min); d.max.set(j.max);
    return d;
  }
}

export interface AutoencoderOptions {
  /** Largest feature group (KitNET's m). */
  maxGroup?: number;
  hiddenRatio?: number;
  learningRate?: number;
  epochs?: number;
  seed?: number;
}

export interface AutoencoderJson {
  kind: 'autoencoder-ensemble';
  version: 1;
  features: number;
  groups: number[][];
  ensemble: DaJson[];
  output: DaJson;
  options: Required<AutoencoderOptions>;
}

/** Groups features by correlation distance (1 - |r|), merging the closest groups (average linkage) up to maxGroup. */
export function groupFeatures(rows: ArrayLike<number>[], features: number, maxGroup: number): number[][] {
  const n = rows.length;
  const mean = new Float64Array(features);
  for (const r of rows) for (let f = 0; f < features; f++) mean[f] += r[f] / n;
  const sd = new Float64Array(features);
  for (const r of rows) for (let f = 0; f < features; f++) sd[f] += (r[f] - mean[f]) ** 2;
  for (let f = 0; f < features; f++) sd[f] = Math.sqrt(sd[f]);
  const dist = (a: number, b: number): number => {
    if (sd[a] === 0 || sd[b] === 0) return 1;
    let s = 0;
    for (const r of rows) s += (r[a] - mean[a]) * (r[b] - mean[b]);
    return 1 - Math.abs(s / (sd[a] * sd[b]));
  };
  const d: number[][] = [];
  for (let a = 0; a < features; a++) { d.push([]); for (let b = 0; b < features; b++) d[a].push(a === b ? 0 : b < a ? d[b][a] : dist(a, b)); }
  let groups = Array.from({ length: features }, (_, i) => [i]);
  for (;;) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        if (groups[i].length + groups[j].length > maxGroup) continue;
        let s = 0;
        for (const a of groups[i]) for (const b of groups[j]) s += d[a][b];
        s /= groups[i].length * groups[j].length;
        if (s < best) { best = s; bi = i; bj = j; }
      }
    }
    if (bi < 0) break;
    groups[bi] = [...groups[bi], ...groups[bj]].sort((a, b) => a - b);
    groups = groups.filter((_, k) => k !== bj);
  }
  return groups.sort((a, b) => a[0] - b[0]);
}

export class AutoencoderEnsemble {
  private readonly opts: Required<AutoencoderOptions>;
  private groups: number[][] = [];
  private ensemble: DenoisingAutoencoder[] = [];
  private output: DenoisingAutoencoder | null = null;
  private features = 0;
  private gather: Float64Array[] = [];
  private rmse = new Float64Array(0);

  constructor(opts: AutoencoderOptions = {}) {
    this.opts = {
      maxGroup: opts.maxGroup ?? 5, hiddenRatio: opts.hiddenRatio ?? 0.75, learningRate: opts.learningRate ?? 0.1,
      epochs: opts.epochs ?? 10, seed: opts.seed ?? 1,
    };
  }

  private prepareBuffers(): void {
    this.gather = this.groups.map((g) => new Float64Array(g.length));
    this.rmse = new Float64Array(this.groups.length);
  }

  private ensembleErrors(row: ArrayLike<number>, learn: boolean): Float64Array {
    for (let g = 0; g < this.groups.length; g++) {
      const idx = this.groups[g];
      const v = this.gather[g];
      for (let i = 0; i < idx.length; i++) v[i] = row[idx[i]];
      this.rmse[g] = learn ? this.ensemble[g].train(v, this.opts.learningRate) : this.ensemble[g].execute(v);
    }
    return this.rmse;
  }

  fit(rows: ArrayLike<number>[]): this {
    if (rows.length === 0) throw new RangeError('no rows to fit');
    const o = this.opts;
    this.features = rows[0].length;
    this.groups = groupFeatures(rows, this.features, o.maxGroup);
    const rng = new SeededRandom(o.seed);
    this.ensemble = this.groups.map((g) => new DenoisingAutoencoder(g.length, Math.max(1, Math.ceil(g.length * o.hiddenRatio)), rng));
    this.prepareBuffers();
    for (const r of rows) {
      for (let g = 0; g < this.groups.length; g++) {
        const v = this.gather[g];
        this.groups[g].forEach((f, i) => { v[i] = r[f]; });
        this.ensemble[g].observeRange(v);
      }
    }
    const order = Array.from({ length: rows.length }, (_, i) => i);
    const shuffle = (): void => {
      for (let i = order.length - 1; i > 0; i--) { const j = rng.below(i + 1); const x = order[i]; order[i] = order[j]; order[j] = x; }
    };
    for (let e = 0; e < o.epochs; e++) {
      shuffle();
      for (const i of order) this.ensembleErrors(rows[i], true);
    }
    const k = this.groups.length;
    this.output = new DenoisingAutoencoder(k, Math.max(1, Math.ceil(k * o.hiddenRatio)), rng);
    const errs = rows.map((r) => Float64Array.from(this.ensembleErrors(r, false)));
    for (const v of errs) this.output.observeRange(v);
    for (let e = 0; e < o.epochs; e++) {
      shuffle();
      for (const i of order) this.output.train(errs[i], o.learningRate);
    }
    return this;
  }

  /** Reconstruction error of the output layer: higher is more anomalous. */
  score(row: ArrayLike<number>): number {
    if (this.output === null) throw new Error('the autoencoder is not fitted');
    if (row.length !== this.features) throw new RangeError(`expected ${this.features} features, got ${row.length}`);
    return this.output.execute(this.ensembleErrors(row, false));
  }

  get featureGroups(): number[][] { return this.groups.map((g) => [...g]); }

  toJSON(): AutoencoderJson {
    if (this.output === null) throw new Error('the autoencoder is not fitted');
    return {
      kind: 'autoencoder-ensemble', version: 1, features: this.features, groups: this.groups,
      ensemble: this.ensemble.map((d) => d.toJSON()), output: this.output.toJSON(), options: this.opts,
    };
  }

  static fromJSON(j: AutoencoderJson): AutoencoderEnsemble {
    if (j.kind !== 'autoencoder-ensemble' || j.version !== 1) throw new Error(`not an autoencoder ensemble of version 1 (${String(j.kind)} ${String(j.version)})`);
    if (!Array.isArray(j.groups) || !Array.isArray(j.ensemble) || j.groups.length === 0 || j.ensemble.length !== j.groups.length) {
      throw new Error('the ensemble does not have one autoencoder per feature group');
    }
    j.groups.forEach((g, i) => {
      if (!Array.isArray(g) || g.length === 0 || !g.every((f) => Number.isInteger(f) && f >= 0 && f < j.features)) throw new Error(`feature group ${i} is damaged`);
      if (j.ensemble[i]?.visible !== g.length) throw new Error(`autoencoder ${i} does not take its group's ${g.length} features`);
    });
    if (j.output?.visible !== j.groups.length) throw new Error('the output autoencoder does not take one error per group');
    const a = new AutoencoderEnsemble(j.options);
    a.features = j.features;
    a.groups = j.groups;
    a.ensemble = j.ensemble.map((d) => DenoisingAutoencoder.fromJSON(d));
    a.output = DenoisingAutoencoder.fromJSON(j.output);
    a.prepareBuffers();
    return a;
  }
}
