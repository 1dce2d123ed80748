// Linear counting (Whang et al. 1990): distinct items estimated from how many bits of a bitmap stay zero.

/** Sketch-counted values from this size on are written "about N" (linear counting: a few per cent off in the hundreds). */
export const ESTIMATE_SHOWN = 50;

/**
 * A distinct count for an alert's text: "at least N" once the bitmap is full, where the estimate stops
 * growing (a 256-bit bitmap's ceiling is 1,420, a 1,024-bit one's 7,098), so 4,300 reflectors do not read
 * as exactly 1,420; "about N" from ESTIMATE_SHOWN on, as the model's explanations say it (ppa_synscan's
 * 1,000 ports read "(1010 ports)", which an analyst checking with tshark took for a count).
 */
export function countText(n: number, bits: number): string {
  if (n >= Math.round(bits * Math.log(bits))) return `at least ${n}`;
  return n >= ESTIMATE_SHOWN ? `about ${n}` : `${n}`;
}

/** Set bits in a 32-bit word. */
export function popcount32(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/** The estimate for a bitmap of `bits` bits with `zeros` still clear; a full bitmap reports the estimator's ceiling. */
export function linearCount(bits: number, zeros: number): number {
  return zeros === 0 ? Math.round(bits * Math.log(bits)) : Math.round(bits * Math.log(bits / zeros));
}
