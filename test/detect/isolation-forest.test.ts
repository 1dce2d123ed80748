// The Isolation Forest's standard semantics, determinism, save/load identity, and its ranking against
// ml-isolation-forest on the same data (Spearman correlation).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { averagePathLength, IsolationForest, type IsolationForestJson } from '../../src/detect/isolation-forest.js';

/** A seeded normal-ish cloud with a few far points. */
function dataset(n: number, outliers: number, seed: number): number[][] {
  let s = seed;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) rows.push([gauss(), gauss() * 2, gauss() + 5]);
  for (let i = 0; i < outliers; i++) rows.push([8 + rnd() * 4, -9 - rnd() * 3, 15 + rnd() * 5]);
  return rows;
}

function ranks(xs: number[]): number[] {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  order.forEach(([, i], k) => { r[i] = k + 1; });
  return r;
}

function spearman(a: number[], b: number[]): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  let d2 = 0;
  for (let i = 0; i < n; i++) d2 += (ra[i] - rb[i]) ** 2;
  return 1 - (6 * d2) / (n * (n * n - 1));
}

test('c(n) is the standard normalising constant', () => {
  assert.equal(averagePathLength(1), 0);
  assert.equal(averagePathLength(2), 1);
  assert.ok(Math.abs(averagePathLength(256) - 10.2448) < 1e-3, String(averagePathLength(256)));
});

test('every tree is grown on a subsample of 256 rows', () => {
  const f = new IsolationForest({ seed: 3 }).fit(dataset(2000, 10, 1));
  assert.equal(f.treeSampleSizes().length, 100);
  assert.ok(f.treeSampleSizes().every((n) => n === 256));
});

test('outliers score high, inliers low; the same seed gives the same scores, another seed others', () => {
  const rows = dataset(1000, 10, 7);
  const a = new IsolationForest({ seed: 42 }).fit(rows);
  const b = new IsolationForest({ seed: 42 }).fit(rows);
  const c = new IsolationForest({ seed: 43 }).fit(rows);
  const sa = rows.map((r) => a.score(r));
  assert.deepEqual(rows.map((r) => b.score(r)), sa);
  assert.notDeepEqual(rows.map((r) => c.score(r)), sa);
  const inlierMean = sa.slice(0, 1000).reduce((x, y) => x + y, 0) / 1000;
  const outlierMin = Math.min(...sa.slice(1000));
  assert.ok(outlierMin > 0.6, `outlier min ${outlierMin}`);
  assert.ok(inlierMean < 0.5, `inlier mean ${inlierMean}`);
});

test('saved and reloaded, the forest gives identical scores', () => {
  const rows = dataset(500, 5, 11);
  const f = new IsolationForest({ seed: 5 }).fit(rows);
  const back = IsolationForest.fromJSON(JSON.parse(JSON.stringify(f)) as IsolationForestJson);
  for (const r of rows) assert.equal(back.score(r), f.score(r));
  assert.throws(() => IsolationForest.fromJSON({ ...f.toJSON(), version: 2 } as unknown as IsolationForestJson), /version 1/);
});

test('the ranking agrees with ml-isolation-forest (Spearman >= 0.9)', () => {
  const rows = dataset(600, 12, 21);
  const ours = new IsolationForest({ seed: 9 }).fit(rows);
  const require = createRequire(import.meta.url);
  const { IsolationForest: Theirs } = require('ml-isolation-forest') as { IsolationForest: new () => { train(x: number[][]): void; predict(x: number[][]): number[] } };
  const theirs = new Theirs();
  theirs.train(rows);
  const rho = spearman(rows.map((r) => ours.score(r)), theirs.predict(rows));
  assert.ok(rho >= 0.9, `Spearman ${rho.toFixed(3)}`);
});
