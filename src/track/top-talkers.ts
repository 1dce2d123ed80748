// Bounded table of the busiest addresses (bytes and packets sent): fixed capacity, open addressing,
// and when a probe window is full the smallest entry in it is evicted and counted.

import { ipv4ToString, ipv6ToString } from '../decode/address-format.js';

const PROBE = 8;

export interface Talker {
  address: string;
  packets: number;
  bytes: number;
}

/** An entry: key words 0-3, then packets and bytes as doubles (words 4-5, 6-7): 32 bytes, half a cache line. */
const EW = 8;

export class TopTalkers {
  readonly capacity: number;
  evictions = 0;
  private readonly mask: number;
  /**
   * The entries, as words: the key (four 32-bit words; IPv4 stored IPv4-mapped, ::ffff:a.b.c.d), and
   * through `num` the packet and byte counts. A slot is free while its packet count is 0. One record per
   * slot, so a probe reads one line rather than one per field.
   */
  private readonly keys: Uint32Array;
  private readonly num: Float64Array;
  private readonly scratch = new Uint32Array(4);

  constructor(capacity = 4096) {
    if ((capacity & (capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.capacity = capacity;
    this.mask = capacity - 1;
    const buf = new ArrayBuffer(capacity * EW * 4);
    this.keys = new Uint32Array(buf);
    this.num = new Float64Array(buf);
  }

  addIpv4(addr: number, bytes: number): void {
    const k = this.scratch;
    k[0] = 0; k[1] = 0; k[2] = 0xffff; k[3] = addr;
    this.add(k, bytes);
  }

  addIpv6(addr: Uint8Array, bytes: number): void {
    const k = this.scratch;
    for (let w = 0; w < 4; w++) {
      k[w] = ((addr[4 * w] << 24) | (addr[4 * w + 1] << 16) | (addr[4 * w + 2] << 8) | addr[4 * w + 3]) >>> 0;
    }
    this.add(k, bytes);
  }

  private add(k: Uint32Array, bytes: number): void {
    let h = Math.imul(k[0] ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ k[1] ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ k[2] ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ k[3] ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
    const keys = this.keys;
    const num = this.num;
    let victim = -1;
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & this.mask;
      const o = s * EW;
      const d = o >>> 1;
      if (num[d + 2] === 0) {
        this.claim(s, k, bytes);
        return;
      }
      if (keys[o] === k[0] && keys[o + 1] === k[1] && keys[o + 2] === k[2] && keys[o + 3] === k[3]) {
        num[d + 2]++;
        num[d + 3] += bytes;
        return;
      }
      if (victim < 0 || num[d + 3] < num[((victim * EW) >>> 1) + 3]) victim = s;
    }
    this.evictions++;
    this.claim(victim, k, bytes);
  }

  private claim(s: number, k: Uint32Array, bytes: number): void {
    const o = s * EW;
    this.keys[o] = k[0]; this.keys[o + 1] = k[1]; this.keys[o + 2] = k[2]; this.keys[o + 3] = k[3];
    this.num[(o >>> 1) + 2] = 1;
    this.num[(o >>> 1) + 3] = bytes;
  }

  /** Empties the table (a new period starts). */
  reset(): void {
    this.keys.fill(0);
    this.evictions = 0;
  }

  private packetsAt(s: number): number { return this.num[((s * EW) >>> 1) + 2]; }
  private bytesAt(s: number): number { return this.num[((s * EW) >>> 1) + 3]; }

  /** The n largest by bytes (strings are made here, off the hot path). */
  top(n: number): Talker[] {
    const slots: number[] = [];
    for (let s = 0; s < this.capacity; s++) if (this.packetsAt(s) !== 0) slots.push(s);
    slots.sort((a, b) => this.bytesAt(b) - this.bytesAt(a) || this.packetsAt(b) - this.packetsAt(a));
    const addr = new Uint8Array(16);
    return slots.slice(0, n).map((s) => {
      const o = s * EW;
      let address: string;
      if (this.keys[o] === 0 && this.keys[o + 1] === 0 && this.keys[o + 2] === 0xffff) {
        address = ipv4ToString(this.keys[o + 3]);
      } else {
        for (let w = 0; w < 4; w++) {
          const v = this.keys[o + w];
          addr[4 * w] = v >>> 24; addr[4 * w + 1] = (v >>> 16) & 255; addr[4 * w + 2] = (v >>> 8) & 255; addr[4 * w + 3] = v & 255;
        }
        address = ipv6ToString(addr);
      }
      return { address, packets: this.packetsAt(s), bytes: this.bytesAt(s) };
    });
  }

  get size(): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) if (this.packetsAt(s) !== 0) n++;
    return n;
  }
}
