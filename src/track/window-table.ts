// A bounded table of counters per key over windows of packet time at one or more scales: fixed
// capacity, linear probing, the least recently seen entry of a full probe window evicted and counted.
// Each entry keeps the current and the previous window of every scale, so values are read as a
// sliding estimate, and optional bitmaps give distinct counts (linear counting) without storing keys.

import { hashWords } from './address-key.js';
import { linearCount, popcount32 } from './linear-count.js';

const PROBE = 8;

export interface WindowTableOptions {
  /** Power of two. */
  capacity: number;
  keyWords: number;
  fields: number;
  /** Window lengths in seconds, one set of windows per scale. */
  scales: number[];
  /** Distinct-count bitmaps per entry and scale, and bits in each (power of two, at least 32). */
  bitmaps?: number;
  bitmapBits?: number;
  /** Trailing fields that are never reset by a window roll (state kept across windows). */
  keptFields?: number;
  /**
   * Called as an entry's window of the given scale rolls over: once with emptyWindows 0 while `previous`
   * holds the window that just finished, then once more with the number of empty windows after it, if any.
   */
  onRoll?: (slot: number, emptyWindows: number) => void;
  /** Which scale onRoll follows (default 0). */
  rollScale?: number;
}

export class WindowTable {
  readonly capacity: number;
  readonly scales: readonly number[];
  evictions = 0;
  private readonly kw: number;
  private readonly nf: number;
  private readonly ns: number;
  private readonly rolled: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly lastSeen: Float64Array;
  /** [slot * ns + scale] */
  private readonly start: Float64Array;
  /** [(slot * ns + scale) * nf + field] */
  /** Hot-path writers may add to cur[base(s) + field] directly (scale 0 is where packets count). */
  readonly cur: Float32Array;
  private readonly prev: Float32Array;
  private readonly nb: number;
  private readonly bw: number;
  private readonly bits: number;
  /** [((slot * ns + scale) * nb + bitmap) * bw + word] */
  private readonly curBits: Uint32Array;
  private readonly prevBits: Uint32Array;
  private readonly onRoll: ((slot: number, emptyWindows: number) => void) | undefined;
  private readonly rollScaleIndex: number;
  /** Hash of each slot's key, compared before the key itself. */
  private readonly hashes: Uint32Array;

  constructor(o: WindowTableOptions) {
    if ((o.capacity & (o.capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.capacity = o.capacity;
    this.scales = o.scales;
    this.kw = o.keyWords;
    this.nf = o.fields;
    this.ns = o.scales.length;
    this.rolled = o.fields - (o.keptFields ?? 0);
    this.mask = o.capacity - 1;
    this.keys = new Uint32Array(o.capacity * o.keyWords);
    this.used = new Uint8Array(o.capacity);
    this.lastSeen = new Float64Array(o.capacity);
    this.start = new Float64Array(o.capacity * this.ns);
    this.cur = new Float32Array(o.capacity * this.ns * o.fields);
    this.prev = new Float32Array(o.capacity * this.ns * o.fields);
    this.nb = o.bitmaps ?? 0;
    this.bits = o.bitmapBits ?? 256;
    this.bw = this.bits >>> 5;
    this.curBits = new Uint32Array(o.capacity * this.ns * this.nb * this.bw);
    this.prevBits = new Uint32Array(o.capacity * this.ns * this.nb * this.bw);
    this.onRoll = o.onRoll;
    this.rollScaleIndex = o.rollScale ?? 0;
    this.hashes = new Uint32Array(o.capacity);
  }

  /** Finds or creates the entry for key[off..off+keyWords) at packet time t, rolling its windows. Returns the slot. */
  touch(key: Uint32Array, off: number, t: number): number {
    const kw = this.kw;
    const h = hashWords(key, off, kw, 0x2545f491);
    let victim = -1;
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & this.mask;
      if (this.used[s] === 0) {
        this.hashes[s] = h;
        this.claim(s, key, off, t);
        return s;
      }
      if (this.hashes[s] === h && this.sameKey(s, key, off)) {
        const st0 = this.start[s * this.ns];
        if (t >= st0 + this.scales[0] || t < st0) this.roll(s, t);
        if (t > this.lastSeen[s]) this.lastSeen[s] = t;
        return s;
      }
      if (victim < 0 || this.lastSeen[s] < this.lastSeen[victim]) victim = s;
    }
    this.evictions++;
    this.hashes[victim] = h;
    this.claim(victim, key, off, t);
    return victim;
  }

  /** Slot of an existing entry, rolled to packet time t, or -1 (nothing is inserted). */
  find(key: Uint32Array, off: number, t: number): number {
    const h = hashWords(key, off, this.kw, 0x2545f491);
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & this.mask;
      if (this.used[s] === 0) return -1;
      if (this.hashes[s] === h && this.sameKey(s, key, off)) {
        this.roll(s, t);
        return s;
      }
    }
    return -1;
  }

  private sameKey(s: number, key: Uint32Array, off: number): boolean {
    const ko = s * this.kw;
    for (let k = 0; k < this.kw; k++) if (this.keys[ko + k] !== key[off + k]) return false;
    return true;
  }

  private claim(s: number, key: Uint32Array, off: number, t: number): void {
    const kw = this.kw;
    for (let k = 0; k < kw; k++) this.keys[s * kw + k] = key[off + k];
    this.used[s] = 1;
    this.lastSeen[s] = t;
    const n = this.ns;
    for (let c = 0; c < n; c++) this.start[s * n + c] = Math.floor(t / this.scales[c]) * this.scales[c];
    this.cur.fill(0, s * n * this.nf, (s + 1) * n * this.nf);
    this.prev.fill(0, s * n * this.nf, (s + 1) * n * this.nf);
    const bn = n * this.nb * this.bw;
    this.curBits.fill(0, s * bn, (s + 1) * bn);
    this.prevBits.fill(0, s * bn, (s + 1) * bn);
  }

  /**
   * Packets count into the smallest scale only; when its window closes, the window's counts and bitmaps
   * are folded into every larger scale. A larger scale's value is then its own windows plus the smallest
   * scale's open window, so each packet costs one scale's work, not one per scale.
   */
  private roll(s: number, t: number): void {
    const len0 = this.scales[0];
    const b0 = s * this.ns;
    const st0 = this.start[b0];
    if (t < st0) {
      // Packet time stepped back (clock step, files out of order): restart the entry's windows at t.
      this.restart(s, t);
      return;
    }
    if (t < st0 + len0) return;
    for (let c = 1; c < this.ns; c++) {
      this.rollScale(s, c, st0);
      this.fold(s, c);
    }
    this.rollScale(s, 0, t);
    for (let c = 1; c < this.ns; c++) this.rollScale(s, c, t);
  }

  private restart(s: number, t: number): void {
    const n = this.ns;
    for (let c = 0; c < n; c++) this.start[s * n + c] = Math.floor(t / this.scales[c]) * this.scales[c];
    const nf = this.nf;
    for (let c = 0; c < n; c++) {
      const fo = (s * n + c) * nf;
      for (let f = 0; f < this.rolled; f++) { this.cur[fo + f] = 0; this.prev[fo + f] = 0; }
    }
    const bn = n * this.nb * this.bw;
    this.curBits.fill(0, s * bn, (s + 1) * bn);
    this.prevBits.fill(0, s * bn, (s + 1) * bn);
  }

  private rollScale(s: number, c: number, t: number): void {
    const len = this.scales[c];
    const si = s * this.ns + c;
    const st = this.start[si];
    if (t < st + len) return;
    const nf = this.nf;
    const rf = this.rolled;
    const per = this.nb * this.bw;
    const fo = si * nf;
    const bo = si * per;
    const gap = Math.floor((t - st) / len);
    const notify = c === this.rollScaleIndex && this.onRoll !== undefined;
    for (let f = 0; f < rf; f++) { this.prev[fo + f] = this.cur[fo + f]; this.cur[fo + f] = 0; }
    for (let b = 0; b < per; b++) { this.prevBits[bo + b] = this.curBits[bo + b]; this.curBits[bo + b] = 0; }
    if (notify) this.onRoll!(s, 0);
    if (gap > 1) {
      // Whole windows passed with nothing in them: the previous window is empty too.
      for (let f = 0; f < rf; f++) this.prev[fo + f] = 0;
      this.prevBits.fill(0, bo, bo + per);
      if (notify) this.onRoll!(s, gap - 1);
    }
    this.start[si] = st + gap * len;
  }

  /** Adds the smallest scale's open window into scale c's current window. */
  private fold(s: number, c: number): void {
    const nf = this.nf;
    const per = this.nb * this.bw;
    const from = s * this.ns * nf;
    const to = (s * this.ns + c) * nf;
    for (let f = 0; f < this.rolled; f++) this.cur[to + f] += this.cur[from + f];
    const bf = s * this.ns * per;
    const bt = (s * this.ns + c) * per;
    for (let b = 0; b < per; b++) this.curBits[bt + b] |= this.curBits[bf + b];
  }

  /** Index in `cur` of field 0 of the entry's smallest-scale window. */
  base(s: number): number {
    return s * this.ns * this.nf;
  }

  add(s: number, field: number, v: number): void {
    this.cur[s * this.ns * this.nf + field] += v;
  }

  /** Sliding-window estimate at time t for one scale: the current window plus the part of the previous one still inside. */
  value(s: number, scale: number, field: number, t: number): number {
    const si = s * this.ns + scale;
    const i = si * this.nf + field;
    const frac = (t - this.start[si]) / this.scales[scale];
    const w = frac >= 1 ? 0 : 1 - (frac < 0 ? 0 : frac);
    const open = scale === 0 ? 0 : this.cur[s * this.ns * this.nf + field];
    return this.cur[i] + open + this.prev[i] * w;
  }

  /** The open (not yet finished) window's value of a field, smallest scale. */
  current(s: number, field: number): number {
    return this.cur[s * this.ns * this.nf + field];
  }

  /** The last finished window's value of a field (for onRoll handlers and baselines). */
  previous(s: number, scale: number, field: number): number {
    return this.prev[(s * this.ns + scale) * this.nf + field];
  }

  /** Reads or writes a kept field (not reset by rolls), stored in scale 0's current window. */
  kept(s: number, field: number): number {
    return this.cur[s * this.ns * this.nf + field];
  }

  setKept(s: number, field: number, v: number): void {
    this.cur[s * this.ns * this.nf + field] = v;
  }

  /** Counts hash h into distinct-count bitmap b. */
  mark(s: number, b: number, h: number): void {
    const bit = h & (this.bits - 1);
    this.curBits[(s * this.ns * this.nb + b) * this.bw + (bit >>> 5)] |= 1 << (bit & 31);
  }

  /** Distinct count over the current and previous windows of a scale (their union), by linear counting. */
  distinct(s: number, scale: number, b: number): number {
    const o = ((s * this.ns + scale) * this.nb + b) * this.bw;
    const o0 = (s * this.ns * this.nb + b) * this.bw;
    let zeros = 0;
    for (let w = 0; w < this.bw; w++) zeros += 32 - popcount32(this.curBits[o + w] | this.prevBits[o + w] | this.curBits[o0 + w]);
    return linearCount(this.bits, zeros);
  }

  keyOf(s: number, out: Uint32Array, off: number): void {
    for (let k = 0; k < this.kw; k++) out[off + k] = this.keys[s * this.kw + k];
  }

  get size(): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) n += this.used[s];
    return n;
  }

  /** Bytes of typed arrays held (for the memory report). */
  get memoryBytes(): number {
    return this.hashes.byteLength + this.keys.byteLength + this.used.byteLength + this.lastSeen.byteLength + this.start.byteLength +
      this.cur.byteLength + this.prev.byteLength + this.curBits.byteLength + this.prevBits.byteLength;
  }
}
