// Fits a model on host windows and chooses its threshold from an alert budget: the operator says how
// many alerts a day (or what share of windows) is acceptable on traffic like the training traffic, and
// the threshold is the training-score quantile that yields that many.

import { computeBaseline, type FeatureBaseline } from './feature-baseline.js';
import { FEATURES, FEATURE_COUNT, FEATURE_SET_ID } from './feature-set.js';
import { IsolationForest, type IsolationForestJson } from './isolation-forest.js';
import { AutoencoderEnsemble, type AutoencoderJson } from './autoencoder.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, standardize, type ModelFile, type ModelType, type RarityTables } from './anomaly-model.js';
import { NETWATCH_VERSION } from '../version.js';
import { featureRange, rangeExtendedScore, type FeatureRange } from './range-extension.js';

/** The host windows a model is trained on, and where they came from. */
export interface TrainingSet {
  rows: Float64Array[];
  /** The host (address text) of each row. */
  hosts: string[];
  /** Start (packet time, seconds) of each row's window: calibration folds are blocks of time. */
  starts: number[];
  files: string[];
  packets: number;
  durationSec: number;
  windowsTotal: number;
  windowsTooSmall: number;
  windowsAlerted: number;
  rarity: RarityTables;
}

export interface TrainOptions {
  modelType: ModelType;
  windowSec: number;
  minPackets: number;
  seed: number;
  /** Exactly one of the two. */
  alertsPerDay?: number;
  contamination?: number;
  trees?: number;
  epochs?: number;
  /** Window grids the training windows were read on (recorded in the model; see train --phases). */
  phases?: number;
  /**
   * Windows of the same traffic left out because they already scored above a threshold (a refresh
   * trains only on windows under the old one): they count against the budget, or each refresh would
   * cut the tail again and lower the threshold step by step.
   */
  aboveAlready?: number;
}

/**
 * Hosts with at least this many windows of their own traffic get a baseline of their own (at most
 * HOST_BASELINES_MAX of them); with P phases a window of traffic is read P times, so P times as many.
 */
export const HOST_BASELINE_MIN_WINDOWS = 20;
const HOST_BASELINES_MAX = 1000;

export const DEFAULT_ALERTS_PER_DAY = 12;
const CALIBRATION_FOLDS = 3;
/** Consecutive windows kept together in one calibration fold. */
const CALIBRATION_BLOCK = 4;
/** Fewer windows than this are scored in-sample (folds would be too small to fit). */
const CALIBRATION_MIN_WINDOWS = 60;

/**
 * The threshold that lets `allowed` training windows score above it: the midpoint between the
 * allowed-th and the next score. With fewer than one window allowed, just above the highest score.
 */
export function thresholdFor(scores: Float64Array, allowed: number): number {
  const s = Float64Array.from(scores).sort().reverse();
  const k = Math.floor(allowed);
  if (s.length === 0) return Infinity;
  if (k <= 0) return s[0] + Math.max(1e-9, Math.abs(s[0]) * 1e-6);
  if (k >= s.length) return s[s.length - 1];
  return (s[k - 1] + s[k]) / 2;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }

export function trainModel(set: TrainingSet, o: TrainOptions): ModelFile {
  if (set.rows.length < 2) {
    // Windows left out because alerts named their hosts are not the operator's window or packet settings.
    const why = set.windowsAlerted > 0
      ? `; ${set.windowsAlerted} more were left out because the heuristic detectors named their host (this traffic holds attacks: train on normal traffic)`
      : '';
    throw new RangeError(`only ${set.rows.length} host windows of at least ${o.minPackets} packets: too few to learn from ` +
      `(give more traffic, a shorter --window or a lower --min-packets)${why}`);
  }
  const network = computeBaseline(set.rows);
  const scaling = { center: network.tMedian, scale: network.tScale };
  const t = new Float64Array(FEATURE_COUNT);
  const inputs = set.rows.map((r) => Float64Array.from(standardize(r, scaling, t, new Float64Array(FEATURE_COUNT))));
  // The forest is scored with its range extension (range-extension.ts), in calibration as in use.
  const fit = (rows: Float64Array[]): { score(r: ArrayLike<number>): number; toJSON(): unknown; range: FeatureRange | null } => {
    if (o.modelType !== 'isolation-forest') {
      const ae = new AutoencoderEnsemble({ seed: o.seed, epochs: o.epochs ?? 10 }).fit(rows);
      return { score: (r) => ae.score(r), toJSON: () => ae.toJSON(), range: null };
    }
    const forest = new IsolationForest({ trees: o.trees ?? 100, seed: o.seed }).fit(rows);
    const range = featureRange(rows);
    return { score: (r) => rangeExtendedScore(forest.score(r), r, range, scaling.scale), toJSON: () => forest.toJSON(), range };
  };
  const final = fit(inputs);
  // The threshold comes from out-of-fold scores: packet time is cut into blocks of CALIBRATION_BLOCK
  // windows, the blocks are dealt round-robin into CALIBRATION_FOLDS folds, and each fold is scored by a
  // model fitted on the others. A model scores the windows it was fitted on lower than new ones (the
  // autoencoder much lower), and neighbouring windows (or the same traffic on another phase's grid) are
  // near copies, so only whole blocks of time keep a fold's windows new to its model.
  const blockSec = CALIBRATION_BLOCK * o.windowSec;
  const foldOf = set.rows.map((_, i) => {
    const b = Math.floor(set.starts[i] / blockSec);
    return Number.isFinite(b) ? ((b % CALIBRATION_FOLDS) + CALIBRATION_FOLDS) % CALIBRATION_FOLDS : i % CALIBRATION_FOLDS;
  });
  const usable = inputs.length >= CALIBRATION_MIN_WINDOWS && new Set(foldOf).size === CALIBRATION_FOLDS;
  const folds = usable ? CALIBRATION_FOLDS : 1;
  const scores = new Float64Array(inputs.length);
  // The final model's highest score on the windows it was fitted on (train warns when the threshold is far above it).
  let fittedMax = -Infinity;
  if (folds === 1) {
    inputs.forEach((r, i) => { scores[i] = final.score(r); });
    for (const s of scores) if (s > fittedMax) fittedMax = s;
  } else {
    for (const r of inputs) { const s = final.score(r); if (s > fittedMax) fittedMax = s; }
    for (let k = 0; k < folds; k++) {
      const m = fit(inputs.filter((_, i) => foldOf[i] !== k));
      inputs.forEach((r, i) => { if (foldOf[i] === k) scores[i] = m.score(r); });
    }
  }

  // With P phases the training traffic was read P times over: budgets are per day of traffic, so the
  // day count is multiplied by P when turning a budget into a number of training windows.
  const phases = o.phases ?? 1;
  const durationSec = Math.max(set.durationSec, o.windowSec) * phases;
  const days = durationSec / 86400;
  const above0 = o.aboveAlready ?? 0;
  const allowed = Math.max(0, (o.contamination !== undefined ? o.contamination * (scores.length + above0) : (o.alertsPerDay ?? DEFAULT_ALERTS_PER_DAY) * days) - above0);
  const threshold = thresholdFor(scores, allowed);
  let above = 0;
  for (const s of scores) if (s > threshold) above++;
  const sorted = Float64Array.from(scores).sort();

  // Per-host baselines for the hosts seen most.
  const byHost = new Map<string, Float64Array[]>();
  set.rows.forEach((r, i) => {
    const h = set.hosts[i];
    let l = byHost.get(h);
    if (l === undefined) byHost.set(h, (l = []));
    l.push(r);
  });
  const hosts: Record<string, FeatureBaseline> = {};
  const minHostWindows = HOST_BASELINE_MIN_WINDOWS * (o.phases ?? 1);
  [...byHost.entries()].filter(([, l]) => l.length >= minHostWindows)
    .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
    .slice(0, HOST_BASELINES_MAX)
    .forEach(([h, l]) => { hosts[h] = computeBaseline(l); });

  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    created_by: `netwatch ${NETWATCH_VERSION}`,
    feature_set: { id: FEATURE_SET_ID, features: FEATURES.map((f) => f.name) },
    model_type: o.modelType,
    window_sec: o.windowSec,
    phases: o.phases ?? 1,
    min_packets: o.minPackets,
    seed: o.seed,
    scaling,
    baseline: { network, hosts },
    rarity: set.rarity,
    threshold,
    budget: o.contamination !== undefined ? { contamination: o.contamination } : { alerts_per_day: o.alertsPerDay ?? DEFAULT_ALERTS_PER_DAY },
    training: {
      files: set.files,
      packets: set.packets,
      duration_sec: round6(set.durationSec),
      windows_total: set.windowsTotal,
      windows_used: set.rows.length,
      windows_too_small: set.windowsTooSmall,
      windows_alerted: set.windowsAlerted,
      hosts: byHost.size,
      score_quantiles: { p50: round6(quantile(sorted, 0.5)), p90: round6(quantile(sorted, 0.9)), p99: round6(quantile(sorted, 0.99)), max: round6(sorted[sorted.length - 1]) },
      expected_alerts_per_hour: round6(above / (durationSec / 3600)),
      expected_alerts_per_day: round6(above / days),
      budget_windows: round6(allowed),
      fitted_max: round6(fittedMax),
      trained_at: new Date().toISOString(),
    },
    calibration: { folds, scores: folds === 1 ? 'in-sample' : 'out-of-fold' },
    ...(o.modelType === 'isolation-forest' ? { forest: final.toJSON() as IsolationForestJson, range: final.range as FeatureRange } : { autoencoder: final.toJSON() as AutoencoderJson }),
  };
}
