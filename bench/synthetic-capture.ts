// Writes a large, varied, deterministic pcap for the benchmarks: TCP (v4 and v6), UDP with DNS, ICMP,
// ARP and VLAN-tagged frames among 10,000 hosts, streamed to disk in chunks.

import { closeSync, openSync, writeSync } from 'node:fs';
import { dnsQuery } from '../test/support/frame-builder.js';

/** xorshift32: a seeded generator so every run writes the same file. */
class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  below(n: number): number { return this.next() % n; }
}

export interface SyntheticOptions {
  packets: number;
  /** Base of the addresses used (default 10.77.0.0/16, the tests' private range). */
  hosts?: number;
  seed?: number;
  /** Destination MAC of every frame (default a locally administered one nobody owns). */
  dstMac?: number[];
  /** Fixed frame size; default a realistic mix. */
  frameSize?: number;
}

const NET = (10 << 24) | (77 << 16);

export function writeSyntheticPcap(path: string, opts: SyntheticOptions): { packets: number; bytes: number } {
  const rng = new Rng(opts.seed ?? 7);
  const hosts = opts.hosts ?? 10000;
  const dstMac = opts.dstMac ?? [0x02, 0x77, 0, 0, 0, 1];
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  let pos = 0;
  const flush = (): void => { writeSync(fd, chunk, 0, pos); pos = 0; };
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0); hdr.writeUInt16LE(2, 4); hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(262144, 16); hdr.writeUInt32LE(1, 20);
  hdr.copy(chunk, 0); pos = 24;
  const names = ['www.example.com', 'mail.example.org', 'cdn.assets.example.net', 'a1b2c3d4e5.tunnel.example.com', 'api.service.internal'];
  const dns = names.map((n, i) => dnsQuery(n, i === 3 ? 16 : 1));
  let usec = 0;
  let sec = 1_700_000_000;
  let bytes = 0;
  for (let i = 0; i < opts.packets; i++) {
    if (pos + 1600 > chunk.length) flush();
    usec += 1 + rng.below(20);
    if (usec >= 1_000_000) { sec++; usec -= 1_000_000; }
    const kind = rng.below(100);
    const recAt = pos;
    let p = pos + 16;
    // Ethernet
    for (let k = 0; k < 6; k++) chunk[p + k] = dstMac[k];
    chunk[p + 6] = 0x02; chunk[p + 7] = 0x77; chunk.writeUInt32BE(rng.next(), p + 8);
    p += 12;
    if (kind >= 95 && kind < 97) {
      chunk.writeUInt16BE(0x8100, p); chunk.writeUInt16BE(100 + rng.below(10), p + 2); p += 4;
    }
    const src = (NET | (1 + rng.below(hosts))) >>> 0;
    const dst = (NET | (1 + rng.below(hosts))) >>> 0;
    if (kind >= 97) {
      // ARP request
      chunk.writeUInt16BE(0x0806, p); p += 2;
      chunk.writeUInt16BE(1, p); chunk.writeUInt16BE(0x0800, p + 2); chunk[p + 4] = 6; chunk[p + 5] = 4; chunk.writeUInt16BE(1, p + 6);
      chunk.fill(0x11, p + 8, p + 14); chunk.writeUInt32BE(src, p + 14); chunk.fill(0, p + 18, p + 24); chunk.writeUInt32BE(dst, p + 24);
      p += 28;
    } else if (kind >= 90) {
      // IPv6 TCP
      chunk.writeUInt16BE(0x86dd, p); p += 2;
      const payload = opts.frameSize ? Math.max(0, opts.frameSize - 74) : rng.below(400);
      chunk.writeUInt32BE(0x60000000, p); chunk.writeUInt16BE(20 + payload, p + 4); chunk[p + 6] = 6; chunk[p + 7] = 64;
      chunk.writeUInt32BE(0xfd000000, p + 8); chunk.writeUInt32BE(0, p + 12); chunk.writeUInt32BE(0, p + 16); chunk.writeUInt32BE(src, p + 20);
      chunk.writeUInt32BE(0xfd000000, p + 24); chunk.writeUInt32BE(0, p + 28); chunk.writeUInt32BE(0, p + 32); chunk.writeUInt32BE(dst, p + 36);
      p += 40;
      chunk.writeUInt16BE(1024 + rng.below(60000), p); chunk.writeUInt16BE(443, p + 2); chunk.writeUInt32BE(rng.next(), p + 4);
      chunk.writeUInt32BE(rng.next(), p + 8); chunk[p + 12] = 0x50; chunk[p + 13] = 0x18; chunk.writeUInt16BE(64000, p + 14);
      chunk.fill(0, p + 16, p + 20 + payload);
      p += 20 + payload;
    } else {
      chunk.writeUInt16BE(0x0800, p); p += 2;
      const ipAt = p;
      let proto: number;
      let l4len: number;
      const l4 = ipAt + 20;
      if (kind < 60) {
        proto = 6;
        const payload = opts.frameSize ? Math.max(0, opts.frameSize - 54) : (rng.below(3) === 0 ? 1460 : rng.below(200));
        chunk.writeUInt16BE(1024 + rng.below(60000), l4); chunk.writeUInt16BE([80, 443, 22, 25, 8080][rng.below(5)], l4 + 2);
        chunk.writeUInt32BE(rng.next(), l4 + 4); chunk.writeUInt32BE(rng.next(), l4 + 8);
        chunk[l4 + 12] = 0x50; chunk[l4 + 13] = [0x02, 0x12, 0x10, 0x18, 0x11, 0x04][rng.below(6)]; chunk.writeUInt16BE(64240, l4 + 14);
        chunk.fill(0, l4 + 16, l4 + 20 + payload);
        l4len = 20 + payload;
      } else if (kind < 85) {
        proto = 17;
        const q = dns[rng.below(dns.length)];
        const isDns = !opts.frameSize && rng.below(2) === 0;
        const payload = isDns ? q.length : opts.frameSize ? Math.max(0, opts.frameSize - 42) : 20 + rng.below(500);
        chunk.writeUInt16BE(1024 + rng.below(60000), l4); chunk.writeUInt16BE(isDns ? 53 : 5000 + rng.below(100), l4 + 2);
        chunk.writeUInt16BE(8 + payload, l4 + 4); chunk.writeUInt16BE(0, l4 + 6);
        if (isDns) q.copy(chunk, l4 + 8); else chunk.fill(0x5a, l4 + 8, l4 + 8 + payload);
        l4len = 8 + payload;
      } else {
        proto = 1;
        const payload = opts.frameSize ? Math.max(0, opts.frameSize - 42) : 56;
        chunk[l4] = rng.below(2) === 0 ? 8 : 0; chunk[l4 + 1] = 0; chunk.writeUInt16BE(0, l4 + 2);
        chunk.fill(0x61, l4 + 4, l4 + 8 + payload);
        l4len = 8 + payload;
      }
      chunk[ipAt] = 0x45; chunk[ipAt + 1] = 0; chunk.writeUInt16BE(20 + l4len, ipAt + 2); chunk.writeUInt32BE(0x00004000, ipAt + 4);
      chunk[ipAt + 8] = 64; chunk[ipAt + 9] = proto; chunk.writeUInt16BE(0, ipAt + 10);
      chunk.writeUInt32BE(src, ipAt + 12); chunk.writeUInt32BE(dst, ipAt + 16);
      p = l4 + l4len;
    }
    let len = p - (recAt + 16);
    if (len < 60) { chunk.fill(0, p, recAt + 16 + 60); len = 60; }
    chunk.writeUInt32LE(sec, recAt); chunk.writeUInt32LE(usec, recAt + 4);
    chunk.writeUInt32LE(len, recAt + 8); chunk.writeUInt32LE(len, recAt + 12);
    pos = recAt + 16 + len;
    bytes += len;
  }
  flush();
  closeSync(fd);
  return { packets: opts.packets, bytes };
}
