// What an Isolation Forest cannot see: a window beyond the training range on some feature is isolated at
// the first split on that feature, exactly as the most extreme training window is, however far beyond it
// lies; so a flood a hundred times past anything normal scores like the busiest normal host. The model's
// score adds how far the window lies above the range its forest was fitted on:
//   score = 1 - (1 - forest score) x exp(-beyond),  beyond = max over features of the distance past the
//   training maximum in the feature's transformed units (log1p of counts: 1 is a factor of e), less a
//   margin of 2. (The minimum is stored with the range but not used: a quiet window is the forest's.)
// Inside the range the forest's score is unchanged, so its ranking of ordinary windows stays standard.
// Features that describe whole connections (FeatureInfo.perConnection) are not bounded by the window and
// are left out: one benign session closing after an hour lies far past any training range.

import { FEATURES } from './feature-set.js';

/** Per feature: whether lying past the training range counts (features bounded by the window). */
const EXTENDED: readonly boolean[] = FEATURES.map((f) => f.perConnection !== true);

export interface FeatureRange {
  min: number[];
  max: number[];
}

export function featureRange(rows: readonly ArrayLike<number>[]): FeatureRange {
  const n = rows.length > 0 ? rows[0].length : 0;
  const min = new Array<number>(n).fill(Infinity);
  const max = new Array<number>(n).fill(-Infinity);
  for (const r of rows) {
    for (let f = 0; f < n; f++) {
      const v = r[f];
      if (v < min[f]) min[f] = v;
      if (v > max[f]) max[f] = v;
    }
  }
  return { min, max };
}

/** Transformed units past the training maximum that still count as in range. */
const MARGIN = 2;

/**
 * How far feature f of standardized row z lies past its training maximum, in transformed units (log1p for
 * counts, so 1 is a factor of e beyond the largest training value), less MARGIN; 0 or less is in range,
 * and so is every feature the extension leaves out. unit[f] is the feature's spread.
 */
function pastMargin(z: ArrayLike<number>, r: FeatureRange, unit: ArrayLike<number>, f: number): number {
  // Within a factor of e^2 (about 7) of the training maximum is ordinary growth (held-out normal
  // traffic goes there, and counting it let normal windows past in-range brute force); only what lies
  // further out counts.
  return EXTENDED[f] && z[f] > r.max[f] ? (z[f] - r.max[f]) * unit[f] - MARGIN : 0;
}

/** How far past the training range the row lies: the largest pastMargin over its features, or 0. */
export function beyondRange(z: ArrayLike<number>, r: FeatureRange, unit: ArrayLike<number>): number {
  let worst = 0;
  for (let f = 0; f < r.max.length; f++) worst = Math.max(worst, pastMargin(z, r, unit, f));
  return worst;
}

/**
 * The features that lie past the training range beyond the margin (the ones the extension reads),
 * farthest first: what raised the score above the forest's own. Empty when the row is in range.
 */
export function featuresBeyond(z: ArrayLike<number>, r: FeatureRange, unit: ArrayLike<number>): number[] {
  const out: { f: number; b: number }[] = [];
  for (let f = 0; f < r.max.length; f++) {
    const b = pastMargin(z, r, unit, f);
    if (b > 0) out.push({ f, b });
  }
  return out.sort((a, b) => b.b - a.b || a.f - b.f).map((x) => x.f);
}

export function extendScore(score: number, beyond: number): number {
  return beyond === 0 ? score : 1 - (1 - score) * Math.exp(-beyond);
}

/** The forest's score of standardized row z, extended by how far z lies past range r (the model's score). */
export function rangeExtendedScore(forestScore: number, z: ArrayLike<number>, r: FeatureRange, unit: ArrayLike<number>): number {
  return extendScore(forestScore, beyondRange(z, r, unit));
}
