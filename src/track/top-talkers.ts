// Bounded table of the busiest addresses (bytes and packets sent): fixed capacity, open addressing,
// and when a probe window is full the smallest entry in it is evicted and counted.

import { ipv4ToString, ipv6ToString } from '../decode/address-format.js';

const PROBE = 8;

export interface Talker {
  address: string;
  packets: number;
  bytes: number;
}

export class TopTalkers {
  readonly capacity: number;
  evictions = 0;
  private readonly mask: number;
  /** Keys: four 32-bit words per slot; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
  private readonly keys: Uint32Array;
  private readonly used: Uint8Array;
  private readonly packets: Float64Array;
  private readonly bytes: Float64Array;
  private readonly scratch = new Uint32Array(4);

  constructor(capacity = 4096) {
    if ((capacity & (capacity - 1)) !== 0) throw new RangeError('capacity must be a power of two');
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.keys = new Uint32Array(capacity * 4);
    this.used = new Uint8Array(capacity);
    this.packets = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
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
    let victim = -1;
    for (let i = 0; i < PROBE; i++) {
      const s = (h + i) & this.mask;
      if (this.used[s] === 0) {
        this.claim(s, k, bytes);
        return;
      }
      const o = s * 4;
      const keys = this.keys;
      if (keys[o] === k[0] && keys[o + 1] === k[1] && keys[o + 2] === k[2] && keys[o + 3] === k[3]) {
        this.packets[s]++;
        this.bytes[s] += bytes;
        return;
      }
      if (victim < 0 || this.bytes[s] < this.bytes[victim]) victim = s;
    }
    this.evictions++;
    this.claim(victim, k, bytes);
  }

  private claim(s: number, k: Uint32Array, bytes: number): void {
    const o = s * 4;
    this.keys[o] = k[0]; this.keys[o + 1] = k[1]; this.keys[o + 2] = k[2]; this.keys[o + 3] = k[3];
    this.used[s] = 1;
    this.packets[s] = 1;
    this.bytes[s] = bytes;
  }

  /** The n largest by bytes (strings are made here, off the hot path). */
  top(n: number): Talker[] {
    const slots: number[] = [];
    for (let s = 0; s < this.capacity; s++) if (this.used[s] !== 0) slots.push(s);
    slots.sort((a, b) => this.bytes[b] - this.bytes[a] || this.packets[b] - this.packets[a]);
    const addr = new Uint8Array(16);
    return slots.slice(0, n).map((s) => {
      const o = s * 4;
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
      return { address, packets: this.packets[s], bytes: this.bytes[s] };
    });
  }

  get size(): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) n += this.used[s];
    return n;
  }
}
