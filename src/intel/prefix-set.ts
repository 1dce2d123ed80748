// Address prefixes (IPv4 and IPv6 CIDRs, single addresses as /32 or /128) with longest-prefix lookup
// in bounded time: one open-addressing table keyed by (prefix length, masked address), probed once per
// prefix length present in the set (a handful in real feeds, at most 129), whatever the set's size.
// IPv4 lives in the IPv4-mapped range (::ffff:0:0/96), as everywhere in netwatch's address keys.

import { hashWords } from '../track/address-key.js';

const EMPTY = -1;

export class PrefixSet {
  private keys: Uint32Array;
  private lens: Uint8Array;
  private vals: Int32Array;
  private mask: number;
  private count = 0;
  /** Prefix lengths present, longest first (in the 128-bit space). */
  private lengths: number[] = [];
  private readonly present = new Uint8Array(129);
  private readonly masked = new Uint32Array(4);

  constructor(expected = 1024) {
    let size = 16;
    while (size < expected * 2) size <<= 1;
    this.mask = size - 1;
    this.keys = new Uint32Array(size * 4);
    this.lens = new Uint8Array(size);
    this.vals = new Int32Array(size).fill(EMPTY);
  }

  get size(): number { return this.count; }

  get memoryBytes(): number { return this.keys.byteLength + this.lens.byteLength + this.vals.byteLength; }

  private maskInto(key: Uint32Array | number[], off: number, len: number): Uint32Array {
    const m = this.masked;
    for (let w = 0; w < 4; w++) {
      const bits = Math.max(0, Math.min(32, len - 32 * w));
      m[w] = bits === 0 ? 0 : bits === 32 ? key[off + w] >>> 0 : (key[off + w] & (0xffffffff << (32 - bits))) >>> 0;
    }
    return m;
  }

  private slot(m: Uint32Array, len: number): number {
    let i = (hashWords(m, 0, 4, len * 0x9e3779b1) >>> 0) & this.mask;
    for (;;) {
      if (this.vals[i] === EMPTY) return i;
      const b = i * 4;
      if (this.lens[i] === len && this.keys[b] === m[0] && this.keys[b + 1] === m[1] && this.keys[b + 2] === m[2] && this.keys[b + 3] === m[3]) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** Adds a prefix (4 address words, length 0-128) carrying `value`; an existing prefix keeps its first value. Returns true when new. */
  add(key: Uint32Array | number[], off: number, len: number, value: number): boolean {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const m = this.maskInto(key, off, len);
    const i = this.slot(m, len);
    if (this.vals[i] !== EMPTY) return false;
    this.keys.set(m, i * 4);
    this.lens[i] = len;
    this.vals[i] = value;
    this.count++;
    if (this.present[len] === 0) {
      this.present[len] = 1;
      this.lengths = [...this.lengths, len].sort((a, b) => b - a);
    }
    return true;
  }

  /** The value of the longest prefix containing the address at key[off..off+4], or -1. */
  lookup(key: Uint32Array, off: number): number {
    const ls = this.lengths;
    for (let k = 0; k < ls.length; k++) {
      const len = ls[k];
      const v = this.vals[this.slot(this.maskInto(key, off, len), len)];
      if (v !== EMPTY) return v;
    }
    return -1;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldLens = this.lens;
    const oldVals = this.vals;
    const size = (this.mask + 1) * 2;
    this.mask = size - 1;
    this.keys = new Uint32Array(size * 4);
    this.lens = new Uint8Array(size);
    this.vals = new Int32Array(size).fill(EMPTY);
    for (let i = 0; i < oldVals.length; i++) {
      if (oldVals[i] === EMPTY) continue;
      const m = this.masked;
      m.set(oldKeys.subarray(i * 4, i * 4 + 4));
      const j = this.slot(m, oldLens[i]);
      this.keys.set(m, j * 4);
      this.lens[j] = oldLens[i];
      this.vals[j] = oldVals[i];
    }
  }
}
