// DNS tunnelling and exfiltration: per source and registered domain, many unique subdomains, long
// high-entropy labels, or many TXT/NULL queries. Names become strings only for queries that could matter
// (long labels, TXT/NULL, or a source asking often); ordinary lookups cost a byte walk.

import { getDomain } from 'tldts';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { dnsLongestLabel, dnsNameToString } from '../decode/dns-name.js';
import { HF_DNS_QUERIES, SCALE_60S } from '../track/host-windows.js';
import { dnsTypeName } from '../decode/protocol-names.js';
import { hashWords, wordsToString, writeSrc } from '../track/address-key.js';
import { WindowTable } from '../track/window-table.js';
import { RaiseGate, dstString, entropy, windowLabel, type Detector, type PacketContext } from './detector.js';

const F_QUERIES = 0;
const F_LONG = 1;
const F_RARE_TYPE = 2;
const B_SUBDOMAINS = 0;
const QTYPE_NULL = 10;
const QTYPE_TXT = 16;

export class DnsTunnelDetector implements Detector {
  readonly name = 'dns_tunnel' as const;
  private cfg: DetectionConfig['dnsTunnel'];
  private readonly domains: WindowTable;
  private readonly gate: RaiseGate;
  private readonly key = new Uint32Array(5);
  private readonly words = new Uint32Array(64);

  constructor(cfg: DetectionConfig['dnsTunnel'], capacity: number) {
    this.cfg = cfg;
    this.domains = new WindowTable({ capacity, keyWords: 5, fields: 3, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 2048 });
    this.gate = new RaiseGate(capacity);
  }
  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.dnsTunnel;
  }


  private hashString(s: string, seed: number): number {
    const w = this.words;
    const n = Math.min(s.length, 256);
    let i = 0;
    for (; i * 4 < n; i++) {
      w[i] = (s.charCodeAt(4 * i) | (s.charCodeAt(4 * i + 1) << 8) | (s.charCodeAt(4 * i + 2) << 16) | (s.charCodeAt(4 * i + 3) << 24)) >>> 0;
      if (i === 63) break;
    }
    return hashWords(w, 0, i, seed ^ s.length);
  }

  packet(c: PacketContext): void {
    const rec = c.rec;
    if (rec.dnsQnameOffset < 0 || rec.dnsIsResponse || !c.isIp) return;
    // Cheap first, from the packet bytes: a name is made into a string only for a long label, a TXT/NULL
    // query, or a source already asking often (the unique-subdomain rule needs many queries anyway).
    const cfg = this.cfg;
    const busy = c.hosts.bySrc.value(c.hosts.srcSlot, SCALE_60S, HF_DNS_QUERIES, c.t) >= cfg.minUniqueSubdomains / 2;
    const rareType = rec.dnsQtype === QTYPE_TXT || rec.dnsQtype === QTYPE_NULL;
    if (!busy && !rareType && dnsLongestLabel(rec.data, rec.dnsOffset, rec.dnsQnameOffset) < cfg.longLabel) return;
    const name = dnsNameToString(rec.data, rec.dnsOffset, rec.dnsQnameOffset).toLowerCase();
    if (name.endsWith('.arpa') || name === '') return;
    const registered = getDomain(name, { allowPrivateDomains: false }) ?? lastLabels(name, 2);
    if (registered === name) return;
    const sub = name.slice(0, name.length - registered.length - 1);
    const k = this.key;
    writeSrc(k, 0, rec);
    k[4] = this.hashString(registered, 0x51ed270b);
    const T = this.domains;
    const s = T.touch(k, 0, c.t);
    T.add(s, F_QUERIES, 1);
    T.mark(s, B_SUBDOMAINS, this.hashString(sub, 0x2f8f5a1) >>> 3);
    let longest = '';
    for (const label of sub.split('.')) if (label.length > longest.length) longest = label;
    const h = longest.length >= cfg.longLabel ? entropy(longest) : 0;
    if (h >= cfg.minEntropy) T.add(s, F_LONG, 1);
    if (rec.dnsQtype === QTYPE_TXT || rec.dnsQtype === QTYPE_NULL) T.add(s, F_RARE_TYPE, 1);

    const unique = T.distinct(s, 0, B_SUBDOMAINS);
    const longLabels = T.value(s, 0, F_LONG, c.t);
    const rare = T.value(s, 0, F_RARE_TYPE, c.t);
    let why = '';
    let score = 0;
    let threshold = 0;
    if (unique >= cfg.minUniqueSubdomains) { why = `${unique} unique subdomains`; score = unique / cfg.minUniqueSubdomains; threshold = cfg.minUniqueSubdomains; }
    else if (longLabels >= cfg.minLongLabels) { why = `${Math.round(longLabels)} long high-entropy labels`; score = longLabels / cfg.minLongLabels; threshold = cfg.minLongLabels; }
    else if (rare >= cfg.minRareTypeQueries && unique >= 10) { why = `${Math.round(rare)} TXT/NULL queries`; score = rare / cfg.minRareTypeQueries; threshold = cfg.minRareTypeQueries; }
    else return;
    if (!this.gate.open(s, c.t)) return;
    const src = wordsToString(k, 0);
    c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${src} -> ${registered}: ${why}`,
      key: `dns_tunnel|${src}|${registered}`,
      src, dst: dstString(rec), srcPort: rec.srcPort, dstPort: rec.dstPort, proto: rec.ipProto === 6 ? 'TCP' : 'UDP',
      score, threshold,
      evidence: {
        domain: registered, queries: Math.round(T.value(s, 0, F_QUERIES, c.t)), unique_subdomains: unique,
        long_high_entropy_labels: Math.round(longLabels), txt_null_queries: Math.round(rare),
        example_query: name.length > 120 ? name.slice(0, 120) + '...' : name, example_entropy: Math.round(entropy(longest) * 100) / 100,
        example_type: dnsTypeName(rec.dnsQtype),
      },
      window: windowLabel(cfg.windowSec),
    }, c.t);
  }
}

function lastLabels(name: string, n: number): string {
  const parts = name.split('.');
  return parts.slice(Math.max(0, parts.length - n)).join('.');
}
