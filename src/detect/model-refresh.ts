// The daemon's scheduled refresh: a new model fitted on a sample of the windows since the last refresh
// that raised no alert, with the current model's type, window, seed and budget; written atomically (the
// previous file kept as PATH.prev, and a model trained by hand also as PATH.trained, which refreshes never
// overwrite) and swapped in. Returns what changed, for the log.

import type { AnomalyDetector } from './anomaly-detector.js';
import { copyAtomically, fileDigest, prepareModel, saveModel } from './anomaly-model.js';
import { Worker } from 'node:worker_threads';
import type { TrainOptions, TrainingSet } from './model-training.js';
import type { ModelFile, RarityTables } from './anomaly-model.js';

export interface RefreshResult {
  refreshed: boolean;
  reason?: string;
  windows: number;
  oldThreshold: number;
  newThreshold?: number;
  oldScores: Record<string, number>;
  newScores?: Record<string, number>;
  /** Clean windows the sample was drawn from, and windows above the threshold counted against the budget (sample units). */
  sampledFrom?: number;
  aboveAlready?: number;
  /** Where the hand-trained model was kept, the first time a refresh replaced it. */
  trained?: string;
  /** The model file no longer holds the model in use (retrained or copied back by hand): it was left alone. */
  changedOnDisk?: true;
  ms: number;
}

/** Runs trainModel in a worker thread so capture and detection go on while the model is fitted. */
function trainInWorker(set: TrainingSet, options: TrainOptions): Promise<ModelFile> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./model-refresh-worker.js', import.meta.url), { workerData: { set, options } });
    w.once('message', (m: { ok: true; model: ModelFile } | { ok: false; error: string }) => {
      void w.terminate();
      if (m.ok) resolve(m.model); else reject(new Error(m.error));
    });
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`the refresh worker exited with status ${code}`)); });
  });
}

export async function refreshModel(det: AnomalyDetector, rarity: RarityTables, minWindows: number): Promise<RefreshResult> {
  const t0 = Date.now();
  const cur = det.current;
  const recent = det.recent;
  const windows = recent?.size ?? 0;
  const base = { windows, oldThreshold: cur.threshold, oldScores: cur.file.training.score_quantiles };
  const changed = changedOnDisk(cur.path, cur.digest);
  if (changed !== null) return { ...base, refreshed: false, changedOnDisk: true, reason: changed, ms: Date.now() - t0 };
  const f = cur.file;
  // The sample without the windows an alert's lead-in covers (alert-spans.ts).
  const set = recent?.toTrainingSet(f.window_sec, rarity, `daemon refresh of ${cur.path}`) ?? null;
  if (recent === null || set === null || set.rows.length < minWindows) {
    const cut = set !== null && set.windowsAlerted > 0 ? ` (${set.windowsAlerted} more sampled before an alert named their host)` : '';
    return { ...base, refreshed: false, reason: `${set?.rows.length ?? 0} clean windows collected${cut}, ${minWindows} needed`, ms: Date.now() - t0 };
  }
  // The windows above the threshold in the same period are left out of the sample; in the sample's units.
  const share = recent.sampledShare;
  const offered = recent.added;
  const aboveAlready = Math.round(det.aboveSinceRefresh * share);
  const next = await trainInWorker(set, {
    modelType: f.model_type, windowSec: f.window_sec, minPackets: f.min_packets, seed: f.seed, phases: 1, aboveAlready,
    ...('contamination' in f.budget ? { contamination: f.budget.contamination } : { alertsPerDay: f.budget.alerts_per_day }),
  });
  // Checked before any file is touched: a model the loader would refuse leaves the current one, .prev and
  // .trained as they were (one overwrote all three and the daemon could not start again).
  const prepared = prepareModel(next, cur.path);
  // Checked again: the fit took a while, and a model trained into the file meanwhile is the operator's.
  const changedSince = changedOnDisk(cur.path, cur.digest);
  if (changedSince !== null) return { ...base, refreshed: false, changedOnDisk: true, reason: changedSince, ms: Date.now() - t0 };
  // The operator's own model is kept for good: .prev holds only the model before the last refresh.
  const trained = isRefreshed(f) ? undefined : `${cur.path}.trained`;
  if (trained !== undefined) copyAtomically(cur.path, trained);
  det.replaceModel(saveModel(prepared, cur.path, true));
  recent.reset();
  return {
    ...base, refreshed: true, sampledFrom: offered, aboveAlready, ...(trained !== undefined ? { trained } : {}),
    newThreshold: next.threshold, newScores: next.training.score_quantiles, ms: Date.now() - t0,
  };
}

/**
 * Why the file at path no longer holds the model in use (digest: the text it was loaded from or written
 * as), or null when it does. A refresh would otherwise replace a model the operator trained or copied
 * back there, and the next one would push it out of .prev too.
 */
function changedOnDisk(path: string, digest: string | null): string | null {
  if (digest === null) return null;
  const now = fileDigest(path);
  if (now === digest) return null;
  return now === null
    ? `${path} cannot be read any more: no refreshed model is written (restart netwatch to load a model)`
    : `${path} was changed since netwatch loaded it (retrained or copied back?): it is left as it is and not refreshed; restart netwatch to use it`;
}

/** A model this refresh made (rather than `netwatch train`). */
function isRefreshed(f: ModelFile): boolean {
  return f.training.files.length === 1 && f.training.files[0].startsWith('daemon refresh of ');
}
