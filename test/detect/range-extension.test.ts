// The forest's range extension: a forest scores a point far beyond its training range no higher than the
// most extreme training point; the extension ranks it above, leaves in-range scores as they are, and
// ignores growth within a factor of e^2 of the training maximum.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolationForest } from '../../src/detect/isolation-forest.js';
import { beyondRange, extendScore, featureRange, rangeExtendedScore } from '../../src/detect/range-extension.js';
import { SeededRandom } from '../../src/detect/seeded-random.js';

test('a flood far past the training maximum outranks the most extreme normal window only with the extension', () => {
  const rnd = new SeededRandom(7);
  // Two features in log units: "packets" around 3 (20 packets), "ports" around 1.
  const rows = Array.from({ length: 500 }, () => Float64Array.from([3 + rnd.next(), 1 + 0.5 * rnd.next()]));
  const forest = new IsolationForest({ trees: 100, seed: 1 }).fit(rows);
  const range = featureRange(rows);
  const unit = [1, 1];
  const busiest = rows.reduce((a, b) => (b[0] > a[0] ? b : a));
  const flood = Float64Array.from([range.max[0] + 5, 1.2]); // e^5, about 150 times the busiest window's packets
  // The forest alone cannot tell them apart by much: both are isolated at the first split on packets.
  assert.ok(forest.score(flood) - forest.score(busiest) < 0.1, `${forest.score(flood)} vs ${forest.score(busiest)}`);
  const ext = (r: Float64Array): number => rangeExtendedScore(forest.score(r), r, range, unit);
  assert.ok(ext(flood) > 0.95, String(ext(flood)));
  assert.ok(ext(flood) > ext(busiest) + 0.2);
  // In range, and within a factor of e^2 past the maximum, the score is the forest's own.
  for (const r of [rows[0], rows[1], busiest, Float64Array.from([range.max[0] + 1.9, 1.2])]) assert.equal(ext(r), forest.score(r));
  // Below the training minimum is not "beyond": a quiet window is the forest's business alone.
  assert.equal(beyondRange(Float64Array.from([range.min[0] - 10, 1.2]), range, unit), 0);
});

test('beyond is measured in transformed units (the spread times standardized distance), past a margin of two', () => {
  const range = { min: [0, 0], max: [1, 1] };
  assert.equal(beyondRange([1, 1], range, [1, 1]), 0);
  assert.equal(beyondRange([3, 1], range, [1, 1]), 0);
  assert.equal(beyondRange([4, 1], range, [1, 1]), 1);
  assert.equal(beyondRange([3, 1], range, [2, 1]), 2);
  assert.equal(beyondRange([2, 7], range, [1, 0.5]), 1);
  assert.equal(extendScore(0.6, 0), 0.6);
  assert.ok(Math.abs(extendScore(0.6, 1) - (1 - 0.4 / Math.E)) < 1e-12);
});
