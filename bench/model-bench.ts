// Model benchmark: training time for 100,000 host windows and scoring cost per window, for both model
// types; the isolation forest side by side with ml-isolation-forest 0.1.0 on the same rows.
// The windows are real ones (the benign corpus on 5 phases) resampled to 100,000 with 5% jitter.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { AnomalyModel, standardize } from '../src/detect/anomaly-model.js';
import { FEATURE_COUNT } from '../src/detect/feature-set.js';
import { trainModel, type TrainingSet } from '../src/detect/model-training.js';
import { SeededRandom } from '../src/detect/seeded-random.js';
import { CORPUS } from '../test/support/corpus.js';
import { EVAL_DEFAULTS, extract } from '../eval/model-eval.js';

const WINDOWS = 100_000;
const require = createRequire(import.meta.url);
const { IsolationForest: MlIsolationForest } = require('ml-isolation-forest') as { IsolationForest: new () => { train(x: number[][]): void; predict(x: number[][]): number[] } };

async function windows(): Promise<TrainingSet> {
  const files = readdirSync(join(CORPUS, 'benign')).map((f) => join(CORPUS, 'benign', f));
  const real: { row: Float64Array; host: string; start: number }[] = [];
  for (const f of files) {
    const e = await extract(f, EVAL_DEFAULTS, EVAL_DEFAULTS.phases);
    e.rows.forEach((row, i) => real.push({ row, host: e.hosts[i], start: e.starts[i] }));
  }
  const rng = new SeededRandom(42);
  const set: TrainingSet = {
    rows: [], hosts: [], starts: [], files, packets: 0, durationSec: WINDOWS * 6, windowsTotal: WINDOWS, windowsTooSmall: 0, windowsAlerted: 0,
    rarity: { protocols: {}, services: {} },
  };
  for (let i = 0; i < WINDOWS; i++) {
    const w = real[rng.below(real.length)];
    set.rows.push(w.row.map((v) => v * (0.95 + 0.1 * rng.next())));
    set.hosts.push(`${w.host}#${i % 500}`);
    set.starts.push(i * 6);
  }
  return set;
}

function perWindowMicros(score: (r: Float64Array) => number, rows: Float64Array[]): number {
  const t0 = performance.now();
  let sink = 0;
  for (const r of rows) sink += score(r);
  if (Number.isNaN(sink)) throw new Error('a score was NaN');
  return Math.round(((performance.now() - t0) * 1000 / rows.length) * 100) / 100;
}

export async function modelBench(): Promise<Record<string, unknown>> {
  const set = await windows();
  const scoreRows = set.rows.slice(0, 20_000);
  const out: Record<string, unknown> = { windows: WINDOWS, features: FEATURE_COUNT, scoredForCost: scoreRows.length };
  for (const modelType of ['isolation-forest', 'autoencoder'] as const) {
    const t0 = performance.now();
    const file = trainModel(set, { modelType, windowSec: 30, minPackets: 5, seed: 1, alertsPerDay: 12, phases: 1 });
    const trainSec = (performance.now() - t0) / 1000;
    const m = new AnomalyModel(file, 'bench');
    out[modelType] = {
      trainSec: Math.round(trainSec * 100) / 100,
      note: 'includes 3 calibration fits (out-of-fold scores for the threshold), the final fit and the baselines',
      scoreMicrosPerWindow: perWindowMicros((r) => m.score(r), scoreRows),
      explainMicrosPerWindow: perWindowMicros((r) => m.explain(r, 'x').length, scoreRows.slice(0, 2000)),
    };
  }
  // The forest alone against ml-isolation-forest (which grows every tree on all rows) on the same standardised rows.
  const file = trainModel(set, { modelType: 'isolation-forest', windowSec: 30, minPackets: 5, seed: 1, alertsPerDay: 12, phases: 1 });
  const t = new Float64Array(FEATURE_COUNT);
  const z = set.rows.map((r) => Array.from(standardize(r, file.scaling, t, new Float64Array(FEATURE_COUNT))));
  const { IsolationForest } = await import('../src/detect/isolation-forest.js');
  let t0 = performance.now();
  const ours = new IsolationForest({ seed: 1 }).fit(z);
  const oursFit = performance.now() - t0;
  t0 = performance.now();
  const ref = new MlIsolationForest();
  ref.train(z);
  const refFit = performance.now() - t0;
  const sample = z.slice(0, 5000);
  t0 = performance.now();
  for (const r of sample) ours.score(r);
  const oursScore = ((performance.now() - t0) * 1000) / sample.length;
  t0 = performance.now();
  ref.predict(sample);
  const refScore = ((performance.now() - t0) * 1000) / sample.length;
  out.forestVsMlIsolationForest = {
    fitMs: { netwatch: Math.round(oursFit), mlIsolationForest: Math.round(refFit), ratio: Math.round((refFit / oursFit) * 10) / 10 },
    scoreMicrosPerRow: { netwatch: Math.round(oursScore * 10) / 10, mlIsolationForest: Math.round(refScore * 10) / 10, ratio: Math.round((refScore / oursScore) * 10) / 10 },
  };
  return out;
}
