// Linear counting (Whang et al. 1990): distinct items estimated from how many bits of a bitmap stay zero.

/**
 * Spreads an item's bits over the whole word (murmur3's 32-bit finaliser), so that any slice of the result,
 * the low bits a bitmap takes in particular, is uniform. Items that differ only in a few low bits (the
 * ports 1-1000, the hosts of one /24) would otherwise fall on a few bit patterns of a plain multiplicative
 * hash, and the estimate would be far off: 255 hosts read as 434 in a 256-bit bitmap, ports 1-1000 as 586.
 */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** An address as four words (see address-key.ts), mixed as one item for a bitmap. */
export function mixAddress(w: Uint32Array, off: number): number {
  return mix32(w[off + 3] ^ Math.imul(w[off + 2], 0x9e3779b1) ^ Math.imul(w[off + 1], 0x85ebca6b) ^ Math.imul(w[off], 0xc2b2ae35));
}

/**
 * A distinct count for an alert's text: "at least N" once the bitmap is full, where the estimate stops
 * growing (a 256-bit bitmap's ceiling is 1,420, a 1,024-bit one's 7,098), so 4,300 reflectors do not read
 * as exactly 1,420.
 */
export function countText(n: number, bits: number): string {
  return n >= Math.round(bits * Math.log(bits)) ? `at least ${n}` : `${n}`;
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
