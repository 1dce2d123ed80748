// A bounded table of counters per key over windows of packet time at one or more scales: fixed
// capacity, linear probing, the least recently seen entry of a full probe window evicted and counted.
// Each entry keeps the current and the previous window of every scale, so values are read as a
// sliding estimate, and optional bitmaps give distinct counts (linear counting) without storing keys.
// An entry is one record of 64-byte lines in a single buffer (key, times, counters, bitmaps), laid out
// so that what every packet touches (the key, the smallest scale's counters and bitmaps, then the next
// scale's windows that detectors read) comes first and sits in as few cache lines as possible. Hash
// slots hold record numbers, handed out in order of first use (an evicted entry's record goes to its
// successor), so the live entries sit together at the start of the buffer rather than spread over all
// of it: fewer pages and lines to reach. Callers hold record numbers; they are stable while the entry lives.

import { hashWords, mix32 } from './address-key.js';
import { linearCount, popcount32 } from './linear-count.js';
import { PacketClock, REORDER_SEC } from './packet-clock.js';

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
  /**
   * Called when a full probe window gives an entry's record to a new key, before anything of it changes:
   * the record still holds the old key and counts (a detector settles a raise it held back for it, and
   * forgets what it kept per record). The handler must leave the caller's key buffer as it found it.
   */
  onEvict?: (record: number) => void;
  /**
   * The run's packet clock (the flow table's, fed once per packet before any table is touched), which says
   * when a file went back before the time of the files read before it; without one, only the one-window
   * rule restarts entries.
   */
  clock?: PacketClock;
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
  /**
   * Per hash slot, 16 bytes: its key's hash (word 4i), its record or -1 while never used (word 4i + 1),
   * and its entry's last-seen time (double 2i + 1): four slots to a line, so finding an entry or choosing
   * an eviction victim reads one or two lines and no record but the one it ends at.
   */
  private readonly slotWords: Int32Array;
  private readonly slotTimes: Float64Array;
  /** Records handed out so far. */
  private fresh = 0;
  /** Words (4 bytes) per record, a whole number of 64-byte lines. */
  private readonly rw: number;
  /** Record word offsets: start[scale] (Float64, even offset), cur/prev counters and bitmaps per scale. */
  private readonly stAt: number;
  /**
   * Float64 per scale: the time of the last packet of the previous window and of the current one (scale
   * 0's current one is the slot's last-seen time, copied when it rolls), and of their first packets
   * (Infinity while a window has none).
   */
  private readonly plAt: number;
  private readonly clAt: number;
  private readonly pfAt: number;
  private readonly cfAt: number;
  private readonly curAt: Int32Array;
  private readonly prevAt: Int32Array;
  private readonly cbAt: Int32Array;
  private readonly pbAt: Int32Array;
  /** Views of the one buffer of records, indexed in words (f64 in half words). */
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  /** Hot-path writers may add to cur[base(s) + field] directly (scale 0 is where packets count). */
  readonly cur: Float32Array;
  private readonly nb: number;
  private readonly bw: number;
  private readonly bits: number;
  private readonly onRoll: ((slot: number, emptyWindows: number) => void) | undefined;
  private readonly rollScaleIndex: number;
  private readonly onEvict: ((record: number) => void) | undefined;
  /** The run's packet clock, or an idle one of the table's own (which never counts a file). */
  private readonly clock: PacketClock;
  /** Per record, the clock's sourcesBehind when it was claimed or last restarted: an entry restarts once per such file. */
  private readonly epochs: Uint32Array;

  constructor(o: WindowTableOptions) {
    if ((o.capacity & (o.capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.capacity = o.capacity;
    this.scales = o.scales;
    this.kw = o.keyWords;
    this.nf = o.fields;
    this.ns = o.scales.length;
    this.rolled = o.fields - (o.keptFields ?? 0);
    this.mask = o.capacity - 1;
    const slotBuf = new ArrayBuffer(o.capacity * 16);
    this.slotWords = new Int32Array(slotBuf);
    this.slotTimes = new Float64Array(slotBuf);
    for (let i = 0; i < o.capacity; i++) this.slotWords[4 * i + 1] = -1;
    this.nb = o.bitmaps ?? 0;
    this.bits = o.bitmapBits ?? 256;
    this.bw = this.bits >>> 5;
    const ns = this.ns;
    const nf = this.nf;
    const per = this.nb * this.bw;
    // Key, then the window starts and the current windows' first packet times (every packet), then scale
    // 0's counters and bitmaps (every packet), then each larger scale's current and previous counters and
    // the previous windows' packet times (sliding reads), then the rest. Times are Float64: even offsets.
    let w = this.kw + (this.kw & 1);
    this.stAt = w; w += 2 * ns;
    this.cfAt = w; w += 2 * ns;
    this.curAt = new Int32Array(ns);
    this.prevAt = new Int32Array(ns);
    this.cbAt = new Int32Array(ns);
    this.pbAt = new Int32Array(ns);
    this.curAt[0] = w; w += nf;
    this.cbAt[0] = w; w += per;
    for (let c = 1; c < ns; c++) { this.curAt[c] = w; w += nf; this.prevAt[c] = w; w += nf; }
    w += w & 1;
    this.plAt = w; w += 2 * ns;
    this.pfAt = w; w += 2 * ns;
    this.prevAt[0] = w; w += nf;
    for (let c = 1; c < ns; c++) { this.cbAt[c] = w; w += per; }
    for (let c = 0; c < ns; c++) { this.pbAt[c] = w; w += per; }
    // The current windows' last packet times: written as windows roll, read only then.
    w += w & 1;
    this.clAt = w; w += 2 * ns;
    this.rw = (w + 15) & ~15;
    const buf = new ArrayBuffer(o.capacity * this.rw * 4);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.cur = new Float32Array(buf);
    this.epochs = new Uint32Array(o.capacity);
    this.clock = o.clock ?? new PacketClock();
    this.onRoll = o.onRoll;
    this.rollScaleIndex = o.rollScale ?? 0;
    this.onEvict = o.onEvict;
  }

  /** Finds or creates the entry for key[off..off+keyWords) at packet time t, rolling its windows. Returns its record. */
  touch(key: Uint32Array, off: number, t: number): number {
    const kw = this.kw;
    const h = hashWords(key, off, kw, 0x2545f491) | 0;
    const sw = this.slotWords;
    const st = this.slotTimes;
    let victim = -1;
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & this.mask;
      const r = sw[4 * s + 1];
      if (r < 0) {
        const n = this.fresh++;
        sw[4 * s] = h;
        sw[4 * s + 1] = n;
        st[2 * s + 1] = t;
        this.claim(n, key, off, t);
        return n;
      }
      if (sw[4 * s] === h && this.sameKey(r, key, off)) {
        const rd = (r * this.rw) >>> 1;
        const st0 = this.f64[rd + (this.stAt >>> 1)];
        const cf = rd + (this.cfAt >>> 1);
        const len0 = this.scales[0];
        // A packet up to one window before the current one (reordered by a multi-queue capture, or an
        // answer after a lookup that opened the next window) counts in the current window; only a real
        // step back restarts the entry (it wiped the counts of a host whose packets came a little out of
        // order). So does the first packet of an entry more than 2 s behind its latest after a file went
        // back before the time of the files read before it: a 60 s window kept the ports a later file (read
        // first) had counted, and a scan's first probe was filed as "about 504 ports". Within a file, time
        // that jumps back and forth (two interfaces whose clocks are apart) must not restart entries: a
        // flood seen that way was never counted.
        const behind = this.clock.sourcesBehind;
        if (t < st0 - len0 || (t < st[2 * s + 1] - REORDER_SEC && this.epochs[r] !== behind)) {
          this.epochs[r] = behind;
          this.restart(r, t);
          this.f64[cf] = t;
          // Restarted at an earlier time: the later last-seen time is no packet of the new windows (copied
          // in as the previous window's last packet, it counted that window almost in full).
          st[2 * s + 1] = t;
        } else if (t >= st0 + len0) {
          this.roll(r, t, st[2 * s + 1]);
          this.f64[cf] = t;
        } else if (this.f64[cf] > t) {
          // The first packet of a window a lookup opened (or one a little out of order).
          this.f64[cf] = t;
        }
        if (t > st[2 * s + 1]) st[2 * s + 1] = t;
        return r;
      }
      if (victim < 0 || st[2 * s + 1] < st[2 * victim + 1]) victim = s;
    }
    const r = sw[4 * victim + 1];
    if (this.onEvict !== undefined) this.onEvict(r);
    this.evictions++;
    sw[4 * victim] = h;
    st[2 * victim + 1] = t;
    this.claim(r, key, off, t);
    return r;
  }

  /**
   * Record of an existing entry, rolled to time t, or -1 (nothing is inserted). t may be in the past (a
   * flow's last packet as it closes, a refused raise judged later): the entry then stays as it is. Only a
   * packet (touch) restarts an entry whose time stepped back; a lookup at a past time did, and wiped the
   * windows of every active host a closing flow named.
   */
  find(key: Uint32Array, off: number, t: number): number {
    const h = hashWords(key, off, this.kw, 0x2545f491) | 0;
    const sw = this.slotWords;
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & this.mask;
      const r = sw[4 * s + 1];
      if (r < 0) return -1;
      if (sw[4 * s] === h && this.sameKey(r, key, off)) {
        if (t >= this.startOf(r, 0)) this.roll(r, t, this.slotTimes[2 * s + 1]);
        return r;
      }
    }
    return -1;
  }

  private startOf(s: number, c: number): number {
    return this.f64[((s * this.rw) >>> 1) + (this.stAt >>> 1) + c];
  }

  private setStart(s: number, c: number, v: number): void {
    this.f64[((s * this.rw) >>> 1) + (this.stAt >>> 1) + c] = v;
  }

  private timeAt(s: number, at: number, c: number): number {
    return this.f64[((s * this.rw) >>> 1) + (at >>> 1) + c];
  }

  private setTimeAt(s: number, at: number, c: number, v: number): void {
    this.f64[((s * this.rw) >>> 1) + (at >>> 1) + c] = v;
  }

  private sameKey(s: number, key: Uint32Array, off: number): boolean {
    const ko = s * this.rw;
    const u = this.u32;
    for (let k = 0; k < this.kw; k++) if (u[ko + k] !== key[off + k]) return false;
    return true;
  }

  private claim(s: number, key: Uint32Array, off: number, t: number): void {
    const kw = this.kw;
    const r = s * this.rw;
    const u = this.u32;
    for (let k = 0; k < kw; k++) u[r + k] = key[off + k];
    this.epochs[s] = this.clock.sourcesBehind;
    const n = this.ns;
    for (let c = 0; c < n; c++) this.setStart(s, c, Math.floor(t / this.scales[c]) * this.scales[c]);
    // Packet times, counters and bitmaps of every scale follow the window starts: zero them all at once.
    u.fill(0, r + this.stAt + 2 * n, r + this.rw);
    for (let c = 0; c < n; c++) { this.setTimeAt(s, this.cfAt, c, c === 0 ? t : Infinity); this.setTimeAt(s, this.pfAt, c, Infinity); }
  }

  /**
   * Packets count into the smallest scale only; when its window closes, the window's counts and bitmaps
   * are folded into every larger scale. A larger scale's value is then its own windows plus the smallest
   * scale's open window, so each packet costs one scale's work, not one per scale.
   */
  private roll(s: number, t: number, lastSeen: number): void {
    const len0 = this.scales[0];
    const st0 = this.startOf(s, 0);
    if (t < st0) {
      // Packet time stepped back (clock step, files out of order): restart the entry's windows at t.
      this.restart(s, t);
      return;
    }
    if (t < st0 + len0) return;
    for (let c = 1; c < this.ns; c++) {
      this.rollScale(s, c, st0);
      this.fold(s, c, lastSeen);
    }
    this.setTimeAt(s, this.clAt, 0, lastSeen);
    this.rollScale(s, 0, t);
    for (let c = 1; c < this.ns; c++) this.rollScale(s, c, t);
  }

  private restart(s: number, t: number): void {
    const n = this.ns;
    for (let c = 0; c < n; c++) {
      this.setStart(s, c, Math.floor(t / this.scales[c]) * this.scales[c]);
      this.setTimeAt(s, this.plAt, c, 0);
      this.setTimeAt(s, this.clAt, c, 0);
      this.setTimeAt(s, this.pfAt, c, Infinity);
      this.setTimeAt(s, this.cfAt, c, Infinity);
    }
    const r = s * this.rw;
    const cur = this.cur;
    for (let c = 0; c < n; c++) {
      const co = r + this.curAt[c];
      const po = r + this.prevAt[c];
      for (let f = 0; f < this.rolled; f++) { cur[co + f] = 0; cur[po + f] = 0; }
    }
    const per = this.nb * this.bw;
    const u = this.u32;
    for (let c = 0; c < n; c++) {
      const cb = r + this.cbAt[c];
      const pb = r + this.pbAt[c];
      for (let b = 0; b < per; b++) { u[cb + b] = 0; u[pb + b] = 0; }
    }
  }

  private rollScale(s: number, c: number, t: number): void {
    const len = this.scales[c];
    const st = this.startOf(s, c);
    if (t < st + len) return;
    const rf = this.rolled;
    const per = this.nb * this.bw;
    const r = s * this.rw;
    const co = r + this.curAt[c];
    const po = r + this.prevAt[c];
    const cb = r + this.cbAt[c];
    const pb = r + this.pbAt[c];
    const cur = this.cur;
    const u = this.u32;
    const gap = Math.floor((t - st) / len);
    const notify = c === this.rollScaleIndex && this.onRoll !== undefined;
    for (let f = 0; f < rf; f++) { cur[po + f] = cur[co + f]; cur[co + f] = 0; }
    for (let b = 0; b < per; b++) { u[pb + b] = u[cb + b]; u[cb + b] = 0; }
    this.setTimeAt(s, this.plAt, c, this.timeAt(s, this.clAt, c));
    this.setTimeAt(s, this.clAt, c, 0);
    this.setTimeAt(s, this.pfAt, c, this.timeAt(s, this.cfAt, c));
    this.setTimeAt(s, this.cfAt, c, Infinity);
    if (notify) this.onRoll!(s, 0);
    if (gap > 1) {
      // Whole windows passed with nothing in them: the previous window is empty too.
      for (let f = 0; f < rf; f++) cur[po + f] = 0;
      for (let b = 0; b < per; b++) u[pb + b] = 0;
      this.setTimeAt(s, this.plAt, c, 0);
      this.setTimeAt(s, this.pfAt, c, Infinity);
      if (notify) this.onRoll!(s, gap - 1);
    }
    this.setStart(s, c, st + gap * len);
  }

  /** Adds the smallest scale's open window (its last packet at lastSeen) into scale c's current window. */
  private fold(s: number, c: number, lastSeen: number): void {
    this.setTimeAt(s, this.clAt, c, lastSeen);
    const first = this.timeAt(s, this.cfAt, 0);
    if (first < this.timeAt(s, this.cfAt, c)) this.setTimeAt(s, this.cfAt, c, first);
    const per = this.nb * this.bw;
    const r = s * this.rw;
    const from = r + this.curAt[0];
    const to = r + this.curAt[c];
    const cur = this.cur;
    for (let f = 0; f < this.rolled; f++) cur[to + f] += cur[from + f];
    const bf = r + this.cbAt[0];
    const bt = r + this.cbAt[c];
    const u = this.u32;
    for (let b = 0; b < per; b++) u[bt + b] |= u[bf + b];
  }

  /** Index in `cur` of field 0 of the entry's smallest-scale window. */
  base(s: number): number {
    return s * this.rw + this.curAt[0];
  }

  add(s: number, field: number, v: number): void {
    this.cur[s * this.rw + this.curAt[0] + field] += v;
  }

  /**
   * Sliding-window estimate at time t for one scale: the current window plus the part of the previous one
   * still inside (previousWeight).
   */
  value(s: number, scale: number, field: number, t: number): number {
    const r = s * this.rw;
    const w = this.previousWeight(s, scale, t);
    const cur = this.cur;
    const open = scale === 0 ? 0 : cur[r + this.curAt[0] + field];
    return cur[r + this.curAt[scale] + field] + open + cur[r + this.prevAt[scale] + field] * w;
  }

  /**
   * The share of the previous window of a scale still inside the sliding window ending at t, its packets
   * taken as spread evenly between its first and its last: 0 once its last packet is out, 1 while its
   * first is in. (Spread over the whole window, a burst early in it counted almost in full a minute after
   * it ended: a scan of 1,000 ports was still "917 ports" 62 s later, raised again on a few new probes.)
   */
  private previousWeight(s: number, scale: number, t: number): number {
    const from = t - this.scales[scale];
    const last = this.timeAt(s, this.plAt, scale);
    if (last <= from) return 0;
    let first = this.timeAt(s, this.pfAt, scale);
    // Not known (a window from before this was kept): its start.
    if (!(first <= last)) first = this.startOf(s, scale) - this.scales[scale];
    if (first >= from) return 1;
    return (last - from) / (last - first);
  }

  /** The open (not yet finished) window's value of a field, smallest scale. */
  current(s: number, field: number): number {
    return this.cur[s * this.rw + this.curAt[0] + field];
  }

  /** The last finished window's value of a field (for onRoll handlers and baselines). */
  previous(s: number, scale: number, field: number): number {
    return this.cur[s * this.rw + this.prevAt[scale] + field];
  }

  /** Reads or writes a kept field (not reset by rolls), stored in scale 0's current window. */
  kept(s: number, field: number): number {
    return this.cur[s * this.rw + this.curAt[0] + field];
  }

  setKept(s: number, field: number, v: number): void {
    this.cur[s * this.rw + this.curAt[0] + field] = v;
  }

  /**
   * Counts an item (any 32-bit value: a port, addressItem(), a name's hash) into distinct-count bitmap b.
   * The item is mixed here, so items that differ only in a few low bits (ports 1-1000, the hosts of a /24)
   * spread over the whole bitmap whatever the caller passes.
   */
  mark(s: number, b: number, item: number): void {
    const bit = mix32(item) & (this.bits - 1);
    this.u32[s * this.rw + this.cbAt[0] + b * this.bw + (bit >>> 5)] |= 1 << (bit & 31);
  }

  /**
   * Distinct count over the current and previous windows of a scale (their union), by linear counting, at
   * time t: the previous window only while a packet of it is inside the sliding window (its last packet
   * later than t minus the window).
   */
  distinct(s: number, scale: number, b: number, t: number): number {
    const r = s * this.rw;
    const o = r + this.cbAt[scale] + b * this.bw;
    const p = r + this.pbAt[scale] + b * this.bw;
    const o0 = r + this.cbAt[0] + b * this.bw;
    const u = this.u32;
    // The previous window's bitmap, or none once its last packet is out of the sliding window.
    const prev = this.timeAt(s, this.plAt, scale) > t - this.scales[scale] ? 0xffffffff : 0;
    let zeros = 0;
    for (let w = 0; w < this.bw; w++) zeros += 32 - popcount32(u[o + w] | (u[p + w] & prev) | u[o0 + w]);
    return linearCount(this.bits, zeros);
  }

  /**
   * The distinct count, never more than the items counted into it: the sketch's estimate can exceed a
   * small count, and an alert saying "about 52 ports" from 50 probes reads as a contradiction.
   */
  distinctOf(s: number, scale: number, b: number, counted: number, t: number): number {
    return Math.min(this.distinct(s, scale, b, t), Math.round(counted));
  }

  /** Bits in each distinct-count bitmap. */
  get bitmapBits(): number {
    return this.bits;
  }

  keyOf(s: number, out: Uint32Array, off: number): void {
    for (let k = 0; k < this.kw; k++) out[off + k] = this.u32[s * this.rw + k];
  }

  get size(): number {
    return this.fresh;
  }

  /** Bytes of typed arrays held (for the memory report). */
  get memoryBytes(): number {
    return this.slotWords.byteLength + this.u32.byteLength;
  }
}
