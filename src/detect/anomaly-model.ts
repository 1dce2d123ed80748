// The model file (what `netwatch train` writes and every scorer reads) and the loaded model: scaling,
// scorer, threshold, baselines for explanations, rarity tables. A file from another format version or
// another feature set is refused with a message that says what to do.

import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { NetwatchError, fileErrorText } from '../errors.js';
import { AutoencoderEnsemble, type AutoencoderJson } from './autoencoder.js';
import { explain, type FeatureBaseline, type FeatureContribution } from './feature-baseline.js';
import { FEATURES, FEATURE_COUNT, FEATURE_SET_ID, transformRow } from './feature-set.js';
import { IsolationForest, type IsolationForestJson } from './isolation-forest.js';
import { featuresBeyond, rangeExtendedScore, type FeatureRange } from './range-extension.js';

export const MODEL_FORMAT = 'netwatch-model';
export const MODEL_FORMAT_VERSION = 2;

export type ModelType = 'isolation-forest' | 'autoencoder';

export interface RarityTables {
  /** New flows per IP protocol number. */
  protocols: Record<string, number>;
  /** Answered server ports: "tcp/22", "udp/53" -> times seen. */
  services: Record<string, number>;
}

export interface TrainingSummary {
  files: string[];
  packets: number;
  /** Packet-time span of the training traffic, seconds (summed over files). */
  duration_sec: number;
  windows_total: number;
  windows_used: number;
  windows_too_small: number;
  windows_alerted: number;
  hosts: number;
  score_quantiles: { p50: number; p90: number; p99: number; max: number };
  /** Training windows above the threshold, per hour and per day of training traffic. */
  expected_alerts_per_hour: number;
  expected_alerts_per_day: number;
  /**
   * Training windows the budget lets above the threshold (fractional). Below 1 the threshold sits just
   * above the highest training score, and the expected rate above (0) is below what the traffic can show.
   * Absent in models trained before it was recorded.
   */
  budget_windows?: number;
  /**
   * The highest score the model gives a window it was fitted on. The threshold comes from windows each
   * scored by a model that did not see them; far above this, new normal traffic scores far higher than
   * the learnt traffic (too little or too varied training traffic). Absent in older models.
   */
  fitted_max?: number;
  trained_at: string;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  created_by: string;
  feature_set: { id: string; features: string[] };
  model_type: ModelType;
  window_sec: number;
  /** Training read the traffic on this many window grids shifted by window_sec / phases (more windows, same length). */
  phases: number;
  /** Windows with fewer packets (sent plus received) are neither trained on nor scored. */
  min_packets: number;
  seed: number;
  scaling: { center: number[]; scale: number[] };
  baseline: { network: FeatureBaseline; hosts: Record<string, FeatureBaseline> };
  rarity: RarityTables;
  threshold: number;
  /** Which scores the threshold was read from (out-of-fold unless the training set was tiny). */
  calibration: { folds: number; scores: 'in-sample' | 'out-of-fold' };
  budget: { alerts_per_day: number } | { contamination: number };
  training: TrainingSummary;
  forest?: IsolationForestJson;
  /** The forest's training range (standardized), for its range extension (range-extension.ts). */
  range?: FeatureRange;
  autoencoder?: AutoencoderJson;
}

interface Scorer { score(row: ArrayLike<number>): number }

export class AnomalyModel {
  readonly file: ModelFile;
  readonly path: string;
  /**
   * SHA-256 of the file text this model was read from or written as (null for one made in memory): a
   * refresh overwrites the file only while it still holds this model, not one retrained there since.
   */
  digest: string | null = null;
  private readonly scorer: Scorer;
  private readonly t = new Float64Array(FEATURE_COUNT);
  private readonly z = new Float64Array(FEATURE_COUNT);

  constructor(file: ModelFile, path: string) {
    this.file = file;
    this.path = path;
    if (file.model_type === 'isolation-forest' && file.forest !== undefined) this.scorer = IsolationForest.fromJSON(file.forest);
    else if (file.model_type === 'autoencoder' && file.autoencoder !== undefined) this.scorer = AutoencoderEnsemble.fromJSON(file.autoencoder);
    else throw new NetwatchError('NW_ERR_MODEL', `${path}: model type ${String(file.model_type)} has no model data`);
  }

  get threshold(): number { return this.file.threshold; }
  get type(): ModelType { return this.file.model_type; }

  /** Anomaly score of a raw feature row (higher is stranger). */
  score(raw: ArrayLike<number>): number {
    const z = standardize(raw, this.file.scaling, this.t, this.z);
    const s = this.scorer.score(z);
    const r = this.file.range;
    return r === undefined ? s : rangeExtendedScore(s, z, r, this.file.scaling.scale);
  }

  /**
   * The top features of a window against the host's own baseline when there is one, else the network's.
   * Features past the training range (the range extension's, farthest first) lead: they raised the score.
   */
  explain(raw: ArrayLike<number>, host: string, top = 3): FeatureContribution[] {
    const r = this.file.range;
    const first = r === undefined ? [] : featuresBeyond(standardize(raw, this.file.scaling, this.t, this.z), r, this.file.scaling.scale);
    const own = this.file.baseline.hosts[host];
    return own !== undefined ? explain(raw, own, 'host', top, first) : explain(raw, this.file.baseline.network, 'network', top, first);
  }
}

/** The scorer's input: the transformed row centred on the training median and divided by its spread. */
export function standardize(raw: ArrayLike<number>, s: ModelFile['scaling'], t: Float64Array, out: Float64Array): Float64Array {
  transformRow(raw, t);
  for (let i = 0; i < FEATURE_COUNT; i++) out[i] = (t[i] - s.center[i]) / s.scale[i];
  return out;
}

/** What differs between a model's feature list and this netwatch's, for the refusal message ("" if the lists agree). */
function featureListDiff(names: unknown): string {
  if (!Array.isArray(names)) return ', no feature list';
  const ours = FEATURES.map((f) => f.name);
  const missing = ours.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !ours.includes(String(n))).map(String);
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`without ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`);
  if (extra.length > 0) parts.push(`with ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ` and ${extra.length - 3} more` : ''} unknown here`);
  if (parts.length === 0 && names.some((n, i) => n !== ours[i])) parts.push('in another order');
  return parts.length === 0 ? '' : `, ${parts.join(', ')}`;
}

/** Reads and checks a model file; every refusal names the file and what to do. */
export function loadModel(path: string): AnomalyModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (make one with: netwatch train NORMAL.pcap --model FILE)' : '';
    throw new NetwatchError('NW_ERR_MODEL', `${path}: cannot read model: ${fileErrorText(e)}${hint}`, { cause: e });
  }
  // A capture or other binary file named by mistake: say so rather than quote its bytes.
  if (/[\x00-\x08\x0e-\x1a]/.test(text.slice(0, 512))) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: not a netwatch model (a binary file, not JSON; make a model with: netwatch train NORMAL.pcap --model FILE)`);
  }
  let j: Partial<ModelFile>;
  try {
    j = JSON.parse(text) as Partial<ModelFile>;
  } catch (e) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: not a netwatch model (not JSON: ${(e as Error).message})`, { cause: e });
  }
  const model = checkModel(j, path);
  model.digest = textDigest(text);
  return model;
}

/** The digest AnomalyModel.digest holds for a file's text. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest of the file now at path, or null when it cannot be read. */
export function fileDigest(path: string): string | null {
  try {
    return textDigest(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** The highest forest threshold a model may hold: train sets it at most 1e-6 above a score of at most 1. */
const FOREST_THRESHOLD_MAX = 1 + 1e-5;

/** Checks a parsed model file and makes the model of it; every refusal names the file (path) and what to do. */
export function checkModel(j: Partial<ModelFile>, path: string): AnomalyModel {
  if (j === null || typeof j !== 'object' || j.format !== MODEL_FORMAT) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: not a netwatch model file (no "format": "${MODEL_FORMAT}")`);
  }
  if (j.version !== MODEL_FORMAT_VERSION) {
    // A newer format needs a newer netwatch; an older one (or a damaged field) needs a model trained by this one.
    const newer = typeof j.version === 'number' && j.version > MODEL_FORMAT_VERSION;
    throw new NetwatchError('NW_ERR_MODEL', `${path}: model format version ${String(j.version)} (made by ${String(j.created_by)}); ` +
      `this netwatch reads version ${MODEL_FORMAT_VERSION}: ${newer ? 'upgrade netwatch to the version that made it, or retrain' : 'retrain'} it with netwatch train`);
  }
  const fs = j.feature_set;
  if (fs === undefined || fs.id !== FEATURE_SET_ID || fs.features.length !== FEATURE_COUNT || fs.features.some((n, i) => n !== FEATURES[i].name)) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: model was trained on feature set ${String(fs?.id)} (${fs?.features?.length ?? 0} features` +
      `${featureListDiff(fs?.features)}); this netwatch computes ${FEATURE_SET_ID} (${FEATURE_COUNT} features): retrain it with netwatch train`);
  }
  if (typeof j.threshold !== 'number' || !Number.isFinite(j.threshold) || typeof j.window_sec !== 'number' || !(j.window_sec > 0)) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: model has no valid threshold or window length`);
  }
  // A forest scores between 0 and 1 and an autoencoder's reconstruction error is at least 0: a threshold outside
  // that (a hand edit) would make every window, or none, an alert. A budget that allows less than one training
  // window puts the threshold a millionth above the highest training score, which may be a hair under 1.
  if (j.model_type === 'isolation-forest' ? !(j.threshold > 0 && j.threshold <= FOREST_THRESHOLD_MAX) : !(j.threshold >= 0)) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: model threshold ${j.threshold} is outside the scores a${j.model_type === 'isolation-forest' ? 'n isolation forest gives (0 to 1)' : 'n autoencoder gives (0 or more)'}: ` +
      'the file was edited or damaged; retrain it with netwatch train');
  }
  const sc = j.scaling;
  if (sc === undefined || !finite(sc.center, false) || !finite(sc.scale, true)) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: model scaling is damaged (${FEATURE_COUNT} finite centres and positive scales expected): retrain it with netwatch train`);
  }
  const r = j.range;
  if (j.model_type === 'isolation-forest' && (r === undefined || !finite(r.min, false) || !finite(r.max, false) || r.min.some((m, i) => m > r.max[i]))) {
    throw new NetwatchError('NW_ERR_MODEL', `${path}: the forest's training range is missing or damaged: retrain it with netwatch train`);
  }
  const damaged = damagedPart(j);
  if (damaged !== null) throw new NetwatchError('NW_ERR_MODEL', `${path}: model data is damaged (${damaged}): retrain it with netwatch train`);
  try {
    return new AnomalyModel(j as ModelFile, path);
  } catch (e) {
    if (e instanceof NetwatchError) throw e;
    throw new NetwatchError('NW_ERR_MODEL', `${path}: model data is damaged (${(e as Error).message}): retrain it with netwatch train`, { cause: e });
  }
}

/** One finite number per feature (and above 0 when positive). */
function finite(a: unknown, positive: boolean): boolean {
  return Array.isArray(a) && a.length === FEATURE_COUNT && a.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0));
}

/** What is wrong with the parts of a model every window uses (baselines, window settings, rarity tables), or null. */
function damagedPart(j: Partial<ModelFile>): string | null {
  const baselineOk = (b: FeatureBaseline | undefined): boolean => b !== null && typeof b === 'object' && typeof b.windows === 'number' &&
    finite(b.median, false) && finite(b.mad, false) && finite(b.scale, false) && finite(b.tMedian, false) && finite(b.tScale, false);
  if (!Number.isInteger(j.min_packets) || (j.min_packets as number) < 1) return `min_packets ${String(j.min_packets)}`;
  if (!Number.isInteger(j.phases) || (j.phases as number) < 1) return `phases ${String(j.phases)}`;
  const b = j.baseline;
  if (b === null || typeof b !== 'object' || !baselineOk(b.network)) return 'the network baseline';
  if (b.hosts === null || typeof b.hosts !== 'object') return 'the host baselines';
  for (const [host, hb] of Object.entries(b.hosts)) if (!baselineOk(hb)) return `the baseline of ${host}`;
  const r = j.rarity;
  if (r === null || typeof r !== 'object' || r.protocols === null || typeof r.protocols !== 'object' || r.services === null || typeof r.services !== 'object') return 'the rarity tables';
  return null;
}

/** A model file as text, checked as the loader will read it, and the model that text gives. */
export interface PreparedModel {
  readonly text: string;
  readonly model: AnomalyModel;
}

/**
 * Serializes a model file and checks it as it will be read back, so no file is touched for a model that
 * would be refused (a scale that rounded to 0 once made train write, and a refresh install, a model that
 * detect and the daemon then refused).
 */
export function prepareModel(file: ModelFile, path: string): PreparedModel {
  const text = JSON.stringify(file);
  try {
    return { text, model: checkModel(JSON.parse(text) as Partial<ModelFile>, path) };
  } catch (e) {
    throw new NetwatchError('NW_ERR_OUTPUT', `${path}: the new model was not written: ${(e as Error).message.replace(`${path}: `, '')}`, { cause: e });
  }
}

/**
 * Writes a model atomically (a temporary file renamed into place), prepared first unless it already is.
 * With keepPrevious, an existing model at that path is first copied to PATH.prev, so a refresh can be
 * undone. Returns the model the written file gives.
 */
export function saveModel(m: ModelFile | PreparedModel, path: string, keepPrevious = false): AnomalyModel {
  const { text, model } = 'text' in m ? m : prepareModel(m, path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeDurably(tmp, text + '\n');
    if (keepPrevious && existsSync(path)) copyAtomically(path, `${path}.prev`);
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw new NetwatchError('NW_ERR_OUTPUT', `${path}: cannot write model: ${fileErrorText(e)}`, { cause: e });
  }
  model.digest = textDigest(text + '\n');
  return model;
}

/** Writes a file and flushes it to disk before it is renamed into place (a crash leaves the old file, not an empty one). */
function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Copies a file to dest by way of a temporary file renamed into place: dest is the old copy or the new, never half of one. */
export function copyAtomically(src: string, dest: string): void {
  const tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.partial`);
  try {
    copyFileSync(src, tmp);
    const fd = openSync(tmp, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(tmp, dest);
  } catch (e) {
    // A full disk must not leave a partial file per attempt (the name carries the pid: they would pile up).
    removeQuietly(tmp);
    throw e;
  }
}

function removeQuietly(path: string): void {
  try { unlinkSync(path); } catch { /* not there */ }
}
