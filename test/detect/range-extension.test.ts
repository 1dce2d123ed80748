// The forest's range extension: a forest scores a point far beyond its training range no higher than the
// most extreme training point; the extension ranks it above, leaves in-range scores as they are, and
// ignores growth within a factor of e^2 of the training maximum, and features that describe whole
// connections rather than the window.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IsolationForest } from '../../src/detect/isolation-forest.js';
import { beyondRange, extendScore, featureRange, rangeExtendedScore } from '../../src/detect/range-extension.js';
import { FEATURE_INDEX, FEATURES } from '../../src/detect/feature-set.js';
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

test('a feature describing whole connections lies past the range without counting: one benign session may close after an hour', () => {
  const n = FEATURES.length;
  const range = { min: new Array<number>(n).fill(0), max: new Array<number>(n).fill(1) };
  const unit = new Array<number>(n).fill(1);
  const perConn = FEATURES.map((f, i) => (f.perConnection === true ? i : -1)).filter((i) => i >= 0);
  assert.deepEqual(perConn.map((i) => FEATURES[i].name), ['conn_bytes_mean', 'conn_dur_mean', 'conn_bytes_spread', 'conn_dur_spread']);
  for (const i of perConn) {
    const z = new Array<number>(n).fill(0.5);
    z[i] = 20; // an hour-long session among connections of seconds: e^19 past the maximum
    assert.equal(beyondRange(z, range, unit), 0, FEATURES[i].name);
  }
  // What a window holds is bounded by its length: past the range it still counts (closed and repeated
  // connections as much as packets).
  for (const name of ['packets_out', 'closed_conns', 'repeat_conns']) {
    const z = new Array<number>(n).fill(0.5);
    z[FEATURE_INDEX[name]] = 20;
    assert.equal(beyondRange(z, range, unit), 17, name);
  }
});
