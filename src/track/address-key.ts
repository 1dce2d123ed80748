// Addresses as four 32-bit words (IPv4 as IPv4-mapped IPv6), the key form of every traffic-keyed table.

import { ipv4ToString, ipv6ToString } from '../decode/address-format.js';
import { L3_IPV4, type PacketRecord } from '../decode/packet-record.js';

export function writeIpv4(out: Uint32Array, off: number, a: number): void {
  out[off] = 0; out[off + 1] = 0; out[off + 2] = 0xffff; out[off + 3] = a >>> 0;
}

export function writeIpv6(out: Uint32Array, off: number, b: Uint8Array): void {
  for (let w = 0; w < 4; w++) {
    out[off + w] = ((b[4 * w] << 24) | (b[4 * w + 1] << 16) | (b[4 * w + 2] << 8) | b[4 * w + 3]) >>> 0;
  }
}

export function writeSrc(out: Uint32Array, off: number, rec: PacketRecord): void {
  if (rec.l3 === L3_IPV4) writeIpv4(out, off, rec.src4); else writeIpv6(out, off, rec.src6);
}

export function writeDst(out: Uint32Array, off: number, rec: PacketRecord): void {
  if (rec.l3 === L3_IPV4) writeIpv4(out, off, rec.dst4); else writeIpv6(out, off, rec.dst6);
}

const scratch = new Uint8Array(16);

export function wordsToString(w: Uint32Array | number[], off: number): string {
  if (w[off] === 0 && w[off + 1] === 0 && w[off + 2] === 0xffff) return ipv4ToString(w[off + 3]);
  for (let i = 0; i < 4; i++) {
    const v = w[off + i];
    scratch[4 * i] = v >>> 24; scratch[4 * i + 1] = (v >>> 16) & 255; scratch[4 * i + 2] = (v >>> 8) & 255; scratch[4 * i + 3] = v & 255;
  }
  return ipv6ToString(scratch);
}

export function isIpv4Words(w: Uint32Array | number[], off: number): boolean {
  return w[off] === 0 && w[off + 1] === 0 && w[off + 2] === 0xffff;
}

/** 32-bit hash of n words (murmur3 finaliser per word). */
export function hashWords(w: Uint32Array, off: number, n: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < n; i++) {
    let k = Math.imul(w[off + i], 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return mix32(h ^ n);
}

/**
 * Spreads an item's bits over the whole word (murmur3's 32-bit finaliser), so that any slice of the result,
 * the low bits a bitmap takes in particular, is uniform. Items that differ only in a few low bits (the
 * ports 1-1000, the hosts of one /24) would otherwise fall on a few bit patterns of a plain multiplicative
 * hash, and the estimate would be far off: 255 hosts read as 434 in a 256-bit bitmap, ports 1-1000 as 797 in a 1,024-bit one.
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

/** An address in key form (four words) as one 32-bit item to count (WindowTable.mark mixes it). */
export function addressItem(w: Uint32Array, off: number): number {
  return w[off + 3] ^ Math.imul(w[off + 2], 0x9e3779b1) ^ Math.imul(w[off + 1], 0x85ebca6b) ^ Math.imul(w[off], 0xc2b2ae35);
}

/** An address in key form, mixed, for a bitmap kept by hand (not through WindowTable.mark). */
export function mixAddress(w: Uint32Array, off: number): number {
  return mix32(addressItem(w, off));
}
