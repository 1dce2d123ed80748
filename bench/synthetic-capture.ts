// Writes large, deterministic pcaps for the benchmarks. "mixed": traffic shaped like a busy site (2,000
// clients and 200 servers in 10.77.0.0/16, about 20 packets per flow, TCP v4/v6, UDP with DNS, ICMP,
// ARP and VLAN tags). "synflood": one SYN from each of N distinct spoofed sources to one victim port.

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
  kind?: 'mixed' | 'synflood';
  seed?: number;
  /** Destination MAC of every frame (default a locally administered one nobody owns). */
  dstMac?: number[];
}

const NET = ((10 << 24) | (77 << 16)) >>> 0;
const POOL = 4096;
const K_TCP4 = 0, K_UDP4 = 1, K_DNS = 2, K_ICMP4 = 3, K_TCP6 = 4, K_ARP = 5, K_VLAN_TCP = 6;
const SERVER_PORTS = [80, 443, 443, 443, 22, 25, 8080, 3306];

class PcapOut {
  private readonly fd: number;
  readonly chunk = Buffer.alloc(8 * 1024 * 1024);
  pos = 24;
  bytes = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
    const h = this.chunk;
    h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16); h.writeUInt32LE(1, 20);
  }
  reserve(): number {
    if (this.pos + 1700 > this.chunk.length) { writeSync(this.fd, this.chunk, 0, this.pos); this.pos = 0; }
    return this.pos;
  }
  commit(at: number, len: number, sec: number, usec: number): void {
    let l = len;
    if (l < 60) { this.chunk.fill(0, at + 16 + len, at + 16 + 60); l = 60; }
    this.chunk.writeUInt32LE(sec, at); this.chunk.writeUInt32LE(usec, at + 4);
    this.chunk.writeUInt32LE(l, at + 8); this.chunk.writeUInt32LE(l, at + 12);
    this.pos = at + 16 + l;
    this.bytes += l;
  }
  close(): void {
    writeSync(this.fd, this.chunk, 0, this.pos);
    closeSync(this.fd);
  }
}

function ipv4(b: Buffer, p: number, proto: number, src: number, dst: number, l4len: number): number {
  b[p] = 0x45; b[p + 1] = 0; b.writeUInt16BE(20 + l4len, p + 2); b.writeUInt32BE(0x00004000, p + 4);
  b[p + 8] = 64; b[p + 9] = proto; b.writeUInt16BE(0, p + 10);
  b.writeUInt32BE(src >>> 0, p + 12); b.writeUInt32BE(dst >>> 0, p + 16);
  return p + 20;
}

function tcp(b: Buffer, p: number, sport: number, dport: number, flags: number, payload: number, seq: number): number {
  b.writeUInt16BE(sport, p); b.writeUInt16BE(dport, p + 2); b.writeUInt32BE(seq >>> 0, p + 4); b.writeUInt32BE(1, p + 8);
  b[p + 12] = 0x50; b[p + 13] = flags; b.writeUInt16BE(64240, p + 14); b.writeUInt32BE(0, p + 16);
  b.fill(0, p + 20, p + 20 + payload);
  return p + 20 + payload;
}

export function writeSyntheticPcap(path: string, opts: SyntheticOptions): { packets: number; bytes: number } {
  const rng = new Rng(opts.seed ?? 7);
  const dstMac = opts.dstMac ?? [0x02, 0x77, 0, 0, 0, 1];
  const out = new PcapOut(path);
  const b = out.chunk;
  let sec = 1_700_000_000;
  let usec = 0;
  const names = ['www.example.com', 'mail.example.org', 'cdn.assets.example.net', 'api.service.example', 'login.example.com'];
  const dns = names.map((n) => dnsQuery(n, 1));
  // The flow pool: who talks to whom, and how far along each conversation is.
  const client = new Uint32Array(POOL), server = new Uint32Array(POOL), cport = new Uint16Array(POOL);
  const sport = new Uint16Array(POOL), kind = new Uint8Array(POOL), sent = new Uint32Array(POOL);
  const newFlow = (i: number): void => {
    client[i] = (NET | (0x0100 + rng.below(2000))) >>> 0;
    cport[i] = 1024 + rng.below(60000);
    const r = rng.below(100);
    kind[i] = r < 55 ? K_TCP4 : r < 65 ? K_UDP4 : r < 80 ? K_DNS : r < 85 ? K_ICMP4 : r < 95 ? K_TCP6 : r < 97 ? K_ARP : K_VLAN_TCP;
    // Two resolvers answer DNS; 200 servers the rest.
    server[i] = (NET | (kind[i] === K_DNS ? 0x6300 + rng.below(2) : 0x6400 + rng.below(200))) >>> 0;
    sport[i] = kind[i] === K_DNS ? 53 : kind[i] === K_UDP4 ? 5000 + rng.below(50) : SERVER_PORTS[rng.below(SERVER_PORTS.length)];
    sent[i] = 0;
  };
  // Start mid-conversation, as a capture does on a busy link: no burst of 4,096 handshakes at time zero.
  for (let i = 0; i < POOL; i++) { newFlow(i); sent[i] = 3; }

  for (let n = 0; n < opts.packets; n++) {
    const at = out.reserve();
    usec += 1 + rng.below(20);
    if (usec >= 1_000_000) { sec++; usec -= 1_000_000; }
    let p = at + 16;
    for (let k = 0; k < 6; k++) b[p + k] = dstMac[k];
    b[p + 6] = 0x02; b[p + 7] = 0x77;
    p += 12;
    if (opts.kind === 'synflood') {
      b.writeUInt32BE(rng.next(), p - 4);
      b.writeUInt16BE(0x0800, p); p += 2;
      // Distinct sources: a bijective scramble of n over the whole IPv4 space.
      const src = (Math.imul(n + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
      const l4 = ipv4(b, p, 6, src, (NET | 0x0101) >>> 0, 20);
      p = tcp(b, l4, 1024 + (n % 60000), 443, 0x02, 0, rng.next());
      out.commit(at, p - (at + 16), sec, usec);
      continue;
    }
    const i = rng.below(POOL);
    if (sent[i] > 0 && rng.below(20) === 0) newFlow(i);
    const k = kind[i];
    sent[i]++;
    // TCP opens with the handshake (SYN, SYN-ACK, ACK); after that either side talks.
    const step = sent[i];
    const fromClient = step === 1 || step === 3 || (step !== 2 && rng.below(2) === 0);
    const src = fromClient ? client[i] : server[i];
    const dst = fromClient ? server[i] : client[i];
    const sp = fromClient ? cport[i] : sport[i];
    const dp = fromClient ? sport[i] : cport[i];
    // Each host has one MAC, derived from its address.
    b.writeUInt32BE(src, p - 4);
    if (k === K_VLAN_TCP) { b.writeUInt16BE(0x8100, p); b.writeUInt16BE(100, p + 2); p += 4; }
    if (k === K_ARP) {
      b.writeUInt16BE(0x0806, p); p += 2;
      b.writeUInt16BE(1, p); b.writeUInt16BE(0x0800, p + 2); b[p + 4] = 6; b[p + 5] = 4; b.writeUInt16BE(fromClient ? 1 : 2, p + 6);
      b[p + 8] = 0x02; b[p + 9] = 0x77; b.writeUInt32BE(src, p + 10); b.writeUInt32BE(src, p + 14); b.fill(0, p + 18, p + 24); b.writeUInt32BE(dst, p + 24);
      p += 28;
    } else if (k === K_TCP6) {
      b.writeUInt16BE(0x86dd, p); p += 2;
      const payload = step <= 3 ? 0 : rng.below(3) === 0 ? 1200 : rng.below(100);
      b.writeUInt32BE(0x60000000, p); b.writeUInt16BE(20 + payload, p + 4); b[p + 6] = 6; b[p + 7] = 64;
      b.writeUInt32BE(0xfd000000, p + 8); b.writeUInt32BE(0, p + 12); b.writeUInt32BE(0, p + 16); b.writeUInt32BE(src, p + 20);
      b.writeUInt32BE(0xfd000000, p + 24); b.writeUInt32BE(0, p + 28); b.writeUInt32BE(0, p + 32); b.writeUInt32BE(dst, p + 36);
      p = tcp(b, p + 40, sp, dp, step === 1 ? 0x02 : step === 2 ? 0x12 : payload > 0 ? 0x18 : 0x10, payload, rng.next());
    } else {
      b.writeUInt16BE(0x0800, p); p += 2;
      if (k === K_TCP4 || k === K_VLAN_TCP) {
        const payload = step <= 3 ? 0 : rng.below(3) === 0 ? 1460 : rng.below(200);
        const flags = step === 1 ? 0x02 : step === 2 ? 0x12 : payload > 0 ? 0x18 : 0x10;
        const l4 = ipv4(b, p, 6, src, dst, 20 + payload);
        p = tcp(b, l4, sp, dp, flags, payload, rng.next());
      } else if (k === K_DNS || k === K_UDP4) {
        const q = dns[i % dns.length];
        const payload = k === K_DNS ? q.length : 20 + rng.below(500);
        const l4 = ipv4(b, p, 17, src, dst, 8 + payload);
        b.writeUInt16BE(sp, l4); b.writeUInt16BE(dp, l4 + 2); b.writeUInt16BE(8 + payload, l4 + 4); b.writeUInt16BE(0, l4 + 6);
        if (k === K_DNS) { q.copy(b, l4 + 8); if (!fromClient) b[l4 + 10] |= 0x80; } else b.fill(0x5a, l4 + 8, l4 + 8 + payload);
        p = l4 + 8 + payload;
      } else {
        const l4 = ipv4(b, p, 1, src, dst, 64);
        b[l4] = fromClient ? 8 : 0; b[l4 + 1] = 0; b.writeUInt16BE(0, l4 + 2); b.writeUInt16BE(i, l4 + 4); b.writeUInt16BE(sent[i], l4 + 6);
        b.fill(0x61, l4 + 8, l4 + 64);
        p = l4 + 64;
      }
    }
    out.commit(at, p - (at + 16), sec, usec);
  }
  out.close();
  return { packets: opts.packets, bytes: out.bytes };
}
