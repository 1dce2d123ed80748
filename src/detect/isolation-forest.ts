// Isolation Forest (Liu, Ting and Zhou 2008) with the standard semantics: each tree is grown on a
// random subsample (256 rows by default) to height ceil(log2(subsample)), the path length of a point is
// normalised by c(n) = 2 H(n-1) - 2 (n-1)/n, the forest is seedable and deterministic for a seed, and it
// serialises to JSON and reloads with identical scores. Written here rather than wrapping
// ml-isolation-forest 0.1.0, which grows every tree on all rows, uses a wrong c(n), has no seed and no
// serialisation (native-notes/isolation-forest.md); that package stays in the tests as a ranking check.

import { SeededRandom as Random } from './seeded-random.js';

const EULER_GAMMA = 0.5772156649015329;

/** Average path length of an unsuccessful search in a binary search tree of n points: c(n). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** One tree in flat arrays: node i splits on feature[i] at split[i], or is a leaf (feature -1) holding size[i] points. */
interface Tree {
  feature: number[];
  split: number[];
  left: number[];
  right: number[];
  size: number[];
}

export interface IsolationForestOptions {
  trees?: number;
  sampleSize?: number;
  seed?: number;
}

export interface IsolationForestJson {
  kind: 'isolation-forest';
  version: 1;
  trees: Tree[];
  sampleSize: number;
  features: number;
  seed: number;
}

export class IsolationForest {
  readonly treeCount: number;
  readonly seed: number;
  private sampleSize: number;
  private features = 0;
  private trees: Tree[] = [];

  constructor(opts: IsolationForestOptions = {}) {
    this.treeCount = opts.trees ?? 100;
    this.sampleSize = opts.sampleSize ?? 256;
    this.seed = opts.seed ?? 1;
    if (!Number.isInteger(this.treeCount) || this.treeCount < 1) throw new RangeError('trees must be a positive integer');
    if (!Number.isInteger(this.sampleSize) || this.sampleSize < 2) throw new RangeError('sampleSize must be an integer of at least 2');
  }

  /** Grows the forest on the rows (each the same length). Replaces any earlier fit. */
  fit(rows: ArrayLike<number>[]): this {
    if (rows.length === 0) throw new RangeError('no rows to fit');
    this.features = rows[0].length;
    const psi = Math.min(this.sampleSize, rows.length);
    this.sampleSize = psi;
    const limit = Math.ceil(Math.log2(psi));
    const rng = new Random(this.seed);
    const index = Array.from({ length: rows.length }, (_, i) => i);
    this.trees = [];
    for (let t = 0; t < this.treeCount; t++) {
      // A subsample without replacement: a partial Fisher-Yates shuffle.
      for (let i = 0; i < psi; i++) {
        const j = i + rng.below(rows.length - i);
        const x = index[i]; index[i] = index[j]; index[j] = x;
      }
      const tree: Tree = { feature: [], split: [], left: [], right: [], size: [] };
      this.grow(tree, rows, index.slice(0, psi), 0, limit, rng);
      this.trees.push(tree);
    }
    return this;
  }

  private grow(tree: Tree, rows: ArrayLike<number>[], idx: number[], depth: number, limit: number, rng: Random): number {
    const node = tree.feature.length;
    tree.feature.push(-1); tree.split.push(0); tree.left.push(-1); tree.right.push(-1); tree.size.push(idx.length);
    if (idx.length <= 1 || depth >= limit) return node;
    // Only features that vary in this node can split it.
    const candidates: number[] = [];
    const lo: number[] = [];
    const hi: number[] = [];
    for (let f = 0; f < this.features; f++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (const i of idx) { const v = rows[i][f]; if (v < mn) mn = v; if (v > mx) mx = v; }
      if (mx > mn) { candidates.push(f); lo.push(mn); hi.push(mx); }
    }
    if (candidates.length === 0) return node;
    const c = rng.below(candidates.length);
    const f = candidates[c];
    const split = lo[c] + rng.next() * (hi[c] - lo[c]);
    const left: number[] = [];
    const right: number[] = [];
    for (const i of idx) (rows[i][f] < split ? left : right).push(i);
    tree.feature[node] = f;
    tree.split[node] = split;
    tree.left[node] = this.grow(tree, rows, left, depth + 1, limit, rng);
    tree.right[node] = this.grow(tree, rows, right, depth + 1, limit, rng);
    return node;
  }

  private pathLength(tree: Tree, row: ArrayLike<number>): number {
    let node = 0;
    let depth = 0;
    while (tree.feature[node] >= 0) {
      node = row[tree.feature[node]] < tree.split[node] ? tree.left[node] : tree.right[node];
      depth++;
    }
    return depth + averagePathLength(tree.size[node]);
  }

  /** Anomaly score s(x) = 2^(-E[h(x)] / c(psi)): near 1 anomalous, well below 0.5 normal. */
  score(row: ArrayLike<number>): number {
    if (this.trees.length === 0) throw new Error('the forest is not fitted');
    if (row.length !== this.features) throw new RangeError(`expected ${this.features} features, got ${row.length}`);
    let sum = 0;
    for (const t of this.trees) sum += this.pathLength(t, row);
    return 2 ** (-(sum / this.trees.length) / averagePathLength(this.sampleSize));
  }

  toJSON(): IsolationForestJson {
    return { kind: 'isolation-forest', version: 1, trees: this.trees, sampleSize: this.sampleSize, features: this.features, seed: this.seed };
  }

  /** Reloads a forest; a damaged one (a node out of range, a cycle, a missing number) is an Error naming the tree. */
  static fromJSON(j: IsolationForestJson): IsolationForest {
    if (j.kind !== 'isolation-forest' || j.version !== 1) throw new Error(`not an isolation forest of version 1 (${String(j.kind)} ${String(j.version)})`);
    if (!Number.isInteger(j.features) || j.features < 1 || !Number.isInteger(j.sampleSize) || j.sampleSize < 1) throw new Error('forest has no valid feature count or subsample size');
    if (!Array.isArray(j.trees) || j.trees.length === 0) throw new Error('forest has no trees');
    j.trees.forEach((t, i) => checkTree(t, j.features, i));
    const f = new IsolationForest({ trees: j.trees.length, sampleSize: j.sampleSize, seed: j.seed });
    f.trees = j.trees;
    f.features = j.features;
    return f;
  }

  /** Points each tree was grown on (the subsample size), for tests of the semantics. */
  treeSampleSizes(): number[] {
    return this.trees.map((t) => t.size[0]);
  }
}

/** A tree as stored: equal arrays, splits on known features at finite values, children after their parent (no cycle). */
function checkTree(t: Tree, features: number, index: number): void {
  const bad = (why: string): never => { throw new Error(`tree ${index}: ${why}`); };
  if (t === null || typeof t !== 'object') bad('not a tree');
  const n = Array.isArray(t.feature) ? t.feature.length : 0;
  if (n === 0) bad('no nodes');
  for (const k of ['split', 'left', 'right', 'size'] as const) if (!Array.isArray(t[k]) || t[k].length !== n) bad(`${k} does not match its ${n} nodes`);
  for (let i = 0; i < n; i++) {
    const f = t.feature[i];
    if (!Number.isInteger(f) || f < -1 || f >= features) bad(`node ${i} splits on feature ${String(f)}`);
    if (f < 0) {
      if (typeof t.size[i] !== 'number' || !(t.size[i] >= 0)) bad(`leaf ${i} has no size`);
      continue;
    }
    const l = t.left[i];
    const r = t.right[i];
    if (typeof t.split[i] !== 'number' || !Number.isFinite(t.split[i])) bad(`node ${i} has no split value`);
    if (!Number.isInteger(l) || !Number.isInteger(r) || l <= i || r <= i || l >= n || r >= n) bad(`node ${i} has children ${String(l)}, ${String(r)}`);
  }
}
