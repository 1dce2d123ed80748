// Threat-intelligence benchmark: one million indicators (IPv4 addresses and /24s, IPv6 /48s, domains)
// loaded from feed files; load time, memory, and lookups per second, side by side with Node's own
// net.BlockList holding the same address rules.

import { writeFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { IntelStore } from '../src/intel/intel-store.js';
import { SeededRandom } from '../src/detect/seeded-random.js';
import { writeIpv4 } from '../src/track/address-key.js';

const ip4 = (n: number): string => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

export function intelBench(outDir: string): Record<string, unknown> {
  const rng = new SeededRandom(7);
  const addrs: number[] = [];
  const lines: string[] = [];
  for (let i = 0; i < 800_000; i++) { const a = (rng.next() * 4294967296) >>> 0; addrs.push(a); lines.push(ip4(a)); }
  for (let i = 0; i < 100_000; i++) lines.push(`${ip4(((rng.next() * 4294967296) >>> 0) & 0xffffff00)}/24`);
  for (let i = 0; i < 50_000; i++) lines.push(`2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`);
  const plain = join(outDir, 'intel-1m-plain.txt');
  writeFileSync(plain, lines.join('\n') + '\n');
  const domains = join(outDir, 'intel-1m-domains.txt');
  writeFileSync(domains, Array.from({ length: 50_000 }, (_, i) => `host${i}.bad${i % 997}.example`).join('\n') + '\n');

  const heap0 = process.memoryUsage();
  const t0 = performance.now();
  const store = IntelStore.load([
    { name: 'plain', path: plain, format: 'plain', category: 'listed' },
    { name: 'domains', path: domains, format: 'domains', category: 'listed' },
  ]);
  const loadSec = (performance.now() - t0) / 1000;
  const heap1 = process.memoryUsage();

  // Lookups: half listed addresses, half random ones.
  const N = 2_000_000;
  const keys = new Uint32Array(N * 4);
  for (let i = 0; i < N; i++) writeIpv4(keys, i * 4, i % 2 === 0 ? addrs[i % addrs.length] : (rng.next() * 4294967296) >>> 0);
  let hits = 0;
  const t1 = performance.now();
  for (let i = 0; i < N; i++) if (store.lookupAddress(keys, i * 4) >= 0) hits++;
  const lookupSec = (performance.now() - t1) / 1000;

  // Node's BlockList with the same address rules (it checks its rules in turn, so fewer lookups).
  const bl = new BlockList();
  const t2 = performance.now();
  for (const l of lines) {
    const [a, len] = l.split('/');
    if (len === undefined) bl.addAddress(a, a.includes(':') ? 'ipv6' : 'ipv4');
    else bl.addSubnet(a, Number(len), a.includes(':') ? 'ipv6' : 'ipv4');
  }
  const blLoadSec = (performance.now() - t2) / 1000;
  const M = 200;
  const t3 = performance.now();
  let blHits = 0;
  for (let i = 0; i < M; i++) if (bl.check(ip4(i % 2 === 0 ? addrs[i] : (rng.next() * 4294967296) >>> 0))) blHits++;
  const blLookupSec = (performance.now() - t3) / 1000;

  const ours = N / lookupSec;
  const theirs = M / blLookupSec;
  return {
    indicators: store.indicators,
    feeds: store.loads.map((l) => ({ feed: l.feed, lines: l.lines, indicators: l.indicators, duplicates: l.duplicates, ms: l.ms })),
    loadSec: Math.round(loadSec * 100) / 100,
    heapMiB: Math.round((heap1.heapUsed - heap0.heapUsed) / 1048576),
    rssMiB: Math.round((heap1.rss - heap0.rss) / 1048576),
    tableMiB: Math.round(store.prefixBytes / 1048576),
    lookupsPerSec: Math.round(ours),
    hitShare: Math.round((hits / N) * 1000) / 1000,
    blockList: { loadSec: Math.round(blLoadSec * 100) / 100, lookupsPerSec: Math.round(theirs), hitShare: Math.round((blHits / M) * 1000) / 1000 },
    lookupsRatioOverBlockList: Math.round(ours / theirs),
  };
}
