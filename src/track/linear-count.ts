// Linear counting (Whang et al. 1990): distinct items estimated from how many bits of a bitmap stay zero.

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
