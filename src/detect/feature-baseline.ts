// Per-feature baselines (median and MAD of the raw values) and the explanation of a score against them:
// "unique destination ports 812 (baseline median 3, 270 MADs above)".

import { FEATURES, FEATURE_COUNT, FEATURE_INDEX, transformRow } from './feature-set.js';
import { BITMAP_BITS } from '../track/host-features.js';
import { countText } from '../track/linear-count.js';

export interface FeatureBaseline {
  windows: number;
  /** Raw feature values. */
  median: number[];
  /** Median absolute deviation of the raw values. */
  mad: number[];
  /** The spread an explanation divides by: the MAD, or a fallback when the MAD is 0 (docs/model.md). */
  scale: number[];
  /** Median and spread of the model's (log) view, used to rank which features stand out. */
  tMedian: number[];
  tScale: number[];
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 === 1 ? sorted[(n - 1) >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** Median, MAD and a non-zero spread of one column. */
function columnStats(values: Float64Array, unit: number): { median: number; mad: number; scale: number } {
  const v = Float64Array.from(values).sort();
  const m = median(v);
  const dev = v.map((x) => Math.abs(x - m)).sort();
  const mad = median(dev);
  // The model stores six decimals: a spread that rounds to 0 there is none (a mean absolute deviation of
  // 3e-7 from one odd window of uniform traffic was saved as a scale of 0, and the model was refused).
  const usable = (x: number): boolean => round6(x) > 0;
  let scale = mad;
  if (!usable(scale)) {
    // Most windows equal the median: fall back to the mean absolute deviation (x 1.2533 makes it
    // comparable to a MAD for normal data), then to a tenth of the median, then to one unit.
    let s = 0;
    for (const x of dev) s += x;
    scale = (s / Math.max(1, dev.length)) * 1.2533;
    if (!usable(scale)) scale = Math.abs(m) * 0.1;
    if (!usable(scale)) scale = unit;
  }
  return { median: m, mad, scale };
}

export function computeBaseline(rows: readonly ArrayLike<number>[]): FeatureBaseline {
  const n = rows.length;
  const b: FeatureBaseline = { windows: n, median: [], mad: [], scale: [], tMedian: [], tScale: [] };
  const col = new Float64Array(n);
  const tcol = new Float64Array(n);
  const t = new Float64Array(FEATURE_COUNT);
  const trows = rows.map((r) => Float64Array.from(transformRow(r, t)));
  for (let f = 0; f < FEATURE_COUNT; f++) {
    for (let i = 0; i < n; i++) { col[i] = rows[i][f]; tcol[i] = trows[i][f]; }
    const unit = FEATURES[f].kind === 'ratio' ? 0.01 : 1;
    const s = columnStats(col, unit);
    const ts = columnStats(tcol, FEATURES[f].kind === 'ratio' ? 0.01 : 0.1);
    b.median.push(round6(s.median)); b.mad.push(round6(s.mad)); b.scale.push(round6(s.scale));
    b.tMedian.push(round6(ts.median)); b.tScale.push(round6(ts.scale));
  }
  return b;
}

export interface FeatureContribution {
  feature: string;
  label: string;
  value: number;
  baseline_median: number;
  /** How many baseline spreads (MADs) the value lies from the median; positive above, negative below. */
  mads: number;
  /** Whose baseline: the host's own, or the whole network's. */
  baseline: 'host' | 'network';
  /**
   * Most training windows had the median (MAD 0) and the fallback spread is below the floor, or every one
   * had it: `mads` counts floors or units rather than MADs, and the text says the median was the value of
   * nearly every window instead.
   */
  flat_baseline?: true;
}

/**
 * Smallest spreads an explanation divides by. A feature that is 0 in nearly every training window has a
 * MAD of 0 and a fallback spread near 0, so one failed connection read as "1076 MADs above" and ranked
 * ahead of 316 connections to one service. In the model's view (log1p of counts) a quarter is a factor
 * of about 1.3; raw counts by half a unit; shares by 5 points.
 */
const T_SPREAD_FLOOR = { count: 0.25, ratio: 0.05 } as const;
const RAW_SPREAD_FLOOR = { count: 0.5, ratio: 0.05 } as const;

/** The features that stand out most (in the model's log view), with raw values against the baseline. */
export function explain(raw: ArrayLike<number>, base: FeatureBaseline, which: 'host' | 'network', top: number,
  first: readonly number[] = []): FeatureContribution[] {
  const t = transformRow(raw, new Float64Array(FEATURE_COUNT));
  const ranked: { f: number; z: number; lead: number }[] = [];
  const closed = raw[FEATURE_INDEX.closed_conns];
  const sent = raw[FEATURE_INDEX.packets_out];
  const received = raw[FEATURE_INDEX.packets_in];
  for (let f = 0; f < FEATURE_COUNT; f++) {
    // A mean over closed connections is no value at all in a window that closed none; one over the packets
    // sent (received), in a window that sent (received) none.
    if (FEATURES[f].perConnection === true && !(closed > 0)) continue;
    if ((FEATURES[f].over === 'sent' && !(sent > 0)) || (FEATURES[f].over === 'received' && !(received > 0))) continue;
    const z = (t[f] - base.tMedian[f]) / Math.max(base.tScale[f], T_SPREAD_FLOOR[FEATURES[f].kind]);
    const lead = first.indexOf(f);
    // Baselines are stored to 6 decimals: a value at its median must not show up as a departure.
    if (Math.abs(z) >= 0.01 || lead >= 0) ranked.push({ f, z, lead: lead >= 0 ? lead : first.length });
  }
  // The features the caller names (those past the training range, which raised the score) lead in
  // their order; the rest follow by their distance from the baseline.
  ranked.sort((a, b) => a.lead - b.lead || Math.abs(b.z) - Math.abs(a.z) || a.f - b.f);
  return ranked.slice(0, top).map(({ f }) => {
    const floor = RAW_SPREAD_FLOOR[FEATURES[f].kind];
    // Flat: most windows equal the median (MAD 0) and the fallback spread is below the floor too, or every
    // window had the median (the spread is the made-up one: a tenth of the median, or one unit), where
    // "1980 MADs above" would count units nobody measured. A MAD above 0 is a real spread, however small:
    // then the floor divides and a count is quoted.
    const unit = FEATURES[f].kind === 'ratio' ? 0.01 : 1;
    const constant = base.mad[f] === 0 && (base.scale[f] === unit || base.scale[f] === round6(Math.abs(base.median[f]) * 0.1));
    const flat = base.mad[f] === 0 && (!(base.scale[f] >= floor) || constant);
    return {
      feature: FEATURES[f].name,
      label: FEATURES[f].label,
      value: round3(raw[f]),
      baseline_median: round3(base.median[f]),
      mads: Math.round(((raw[f] - base.median[f]) / Math.max(base.scale[f], floor)) * 10) / 10,
      baseline: which,
      ...(flat ? { flat_baseline: true as const } : {}),
    };
  });
}

/** "unique destination ports about 812 (baseline median 3, 270 MADs above)". */
export function contributionText(c: FeatureContribution): string {
  const side = c.mads >= 0 ? 'above' : 'below';
  const m = Math.abs(c.mads);
  const mads = m >= 10 ? Math.round(m).toString() : m.toFixed(1);
  const who = c.baseline === 'host' ? 'host' : 'baseline';
  // A sketch's count is exact to a count or two when small; from ESTIMATE_SHOWN on it says so, and a full
  // sketch reads "at least" (a spoofed flood's 37,000 sources were "about 7098", 5 times too few).
  // Shares read as per cent ("SYN share of TCP received 100%", not "1").
  const show = FEATURES[FEATURE_INDEX[c.feature]]?.kind === 'ratio' ? percent : fmt;
  const value = FEATURES[FEATURE_INDEX[c.feature]]?.estimated === true && Number.isInteger(c.value) ? countText(c.value, BITMAP_BITS) : show(c.value);
  // A mean over closed connections whose median is 0: most windows closed none (0 is no measurement).
  if (FEATURES[FEATURE_INDEX[c.feature]]?.perConnection === true && c.baseline_median === 0) {
    return `${c.label} ${value} (most ${c.baseline === 'host' ? 'of the host\'s ' : ''}windows closed no connection)`;
  }
  // With next to no spread there is nothing to count in: say what nearly every window was instead.
  if (c.flat_baseline === true) return `${c.label} ${value} (${who} median ${show(c.baseline_median)}, the value of nearly every window)`;
  return `${c.label} ${value} (${who} median ${show(c.baseline_median)}, ${mads} MADs ${side})`;
}

/** A share (0..1) as per cent: whole numbers where exact, else one decimal. */
function percent(x: number): string {
  const p = Math.round(x * 1000) / 10;
  return `${Number.isInteger(p) ? p.toString() : p.toFixed(1)}%`;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? x.toString() : x.toFixed(Math.abs(x) < 10 ? 2 : 1);
}

function round3(x: number): number { return Math.round(x * 1000) / 1000; }
function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }
