// DNS tunnelling and exfiltration: per source and registered domain, many unique subdomains, long
// high-entropy labels, or many TXT/NULL queries. Names are read in place from the packet: labels are
// hashed and measured as bytes, and the registered domain (public suffix list via tldts) is looked up
// once per distinct last-three-labels and cached, so a flood of queries makes no strings.

import { getDomain } from 'tldts';
import type { DetectionConfig } from '../config/detection-defaults.js';
import { dnsNameToString } from '../decode/dns-name.js';
import { dnsTypeName } from '../decode/protocol-names.js';
import { wordsToString, writeSrc } from '../track/address-key.js';
import { HF_DNS_QUERIES, SCALE_60S } from '../track/host-windows.js';
import { WindowTable } from '../track/window-table.js';
import type { PacketClock } from '../track/packet-clock.js';
import { type Detector, dstString, flowOf, type PacketContext, RaiseGate, windowLabel } from './detector.js';

const F_QUERIES = 0;
const F_LONG = 1;
const F_RARE_TYPE = 2;
const B_SUBDOMAINS = 0;
const QTYPE_NULL = 10;
const QTYPE_TXT = 16;
const MAX_LABELS = 128;
/** Registered-domain lengths (in labels) by hash of the name's last three labels; cleared when full. */
const SUFFIX_CACHE_MAX = 65536;

export class DnsTunnelDetector implements Detector {
  readonly name = 'dns_tunnel' as const;
  private cfg: DetectionConfig['dnsTunnel'];
  private readonly domains: WindowTable;
  private readonly gate: RaiseGate;
  private readonly key = new Uint32Array(5);
  private readonly labelOff = new Int32Array(MAX_LABELS);
  private readonly labelLen = new Uint8Array(MAX_LABELS);
  private readonly counts = new Int32Array(256);
  private readonly suffixLabels = new Map<number, number>();

  constructor(cfg: DetectionConfig['dnsTunnel'], capacity: number, clock?: PacketClock) {
    this.cfg = cfg;
    // A domain given to another key does not pass on when it last raised.
    this.domains = new WindowTable({ capacity, keyWords: 5, fields: 3, scales: [cfg.windowSec], bitmaps: 1, bitmapBits: 2048, onEvict: (s) => this.gate.reset(s), clock });
    this.gate = new RaiseGate(capacity);
  }

  /** SIGHUP: new thresholds; tables and their contents stay. */
  configure(all: DetectionConfig): void {
    this.cfg = all.dnsTunnel;
  }

  /** Fills the label tables from a validated name; returns the number of labels. */
  private walk(d: Uint8Array, msg: number, nameOff: number): number {
    let p = nameOff;
    let n = 0;
    for (let hops = 0; hops < 17 && n < MAX_LABELS;) {
      const len = d[p];
      if (len === 0) break;
      if ((len & 0xc0) === 0xc0) { p = msg + (((len & 0x3f) << 8) | d[p + 1]); hops++; continue; }
      this.labelOff[n] = p + 1;
      this.labelLen[n] = len;
      n++;
      p += len + 1;
    }
    return n;
  }

  /** FNV-1a over labels [from, to), letters folded to lower case, a dot between labels. */
  private hashLabels(d: Uint8Array, from: number, to: number): number {
    let h = 0x811c9dc5;
    for (let i = from; i < to; i++) {
      const o = this.labelOff[i];
      for (let j = 0; j < this.labelLen[i]; j++) {
        let c = d[o + j];
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        h = Math.imul(h ^ c, 0x01000193);
      }
      h = Math.imul(h ^ 0x2e, 0x01000193);
    }
    return h >>> 0;
  }

  /** How many trailing labels make the registered domain (example.com: 2, example.co.uk: 3). */
  private registeredLabels(d: Uint8Array, n: number): number {
    const from = n > 3 ? n - 3 : 0;
    const h = this.hashLabels(d, from, n);
    const cached = this.suffixLabels.get(h);
    if (cached !== undefined) return cached;
    // A new domain suffix: the only place a string is made for ordinary queries.
    let tail = '';
    for (let i = from; i < n; i++) tail += (i > from ? '.' : '') + Buffer.from(d.subarray(this.labelOff[i], this.labelOff[i] + this.labelLen[i])).toString('latin1').toLowerCase();
    const reg = getDomain(tail, { allowPrivateDomains: false });
    const labels = reg === null ? Math.min(2, n) : reg.split('.').length;
    if (this.suffixLabels.size >= SUFFIX_CACHE_MAX) this.suffixLabels.clear();
    this.suffixLabels.set(h, labels);
    return labels;
  }

  /** Shannon entropy, bits per byte, of one label (a preallocated count table, no allocation). */
  private labelEntropy(d: Uint8Array, i: number): number {
    const o = this.labelOff[i];
    const len = this.labelLen[i];
    const counts = this.counts;
    for (let j = 0; j < len; j++) counts[d[o + j] | 0x20]++;
    let h = 0;
    for (let j = 0; j < len; j++) {
      const c = d[o + j] | 0x20;
      const k = counts[c];
      if (k > 0) { const p = k / len; h -= p * Math.log2(p); counts[c] = 0; }
    }
    return h;
  }

  private labelsText(d: Uint8Array, from: number, to: number): string {
    let s = '';
    for (let i = from; i < to; i++) s += (i > from ? '.' : '') + Buffer.from(d.subarray(this.labelOff[i], this.labelOff[i] + this.labelLen[i])).toString('latin1').toLowerCase();
    return s;
  }

  packet(c: PacketContext): void {
    const rec = c.rec;
    if (rec.dnsQnameOffset < 0 || rec.dnsIsResponse || !c.isIp) return;
    const d = rec.data;
    const n = this.walk(d, rec.dnsOffset, rec.dnsQnameOffset);
    if (n < 3) return;
    // Reverse lookups (in-addr.arpa, ip6.arpa) are many unique names by nature.
    const last = n - 1;
    if (this.labelLen[last] === 4 && (d[this.labelOff[last]] | 0x20) === 0x61 && (d[this.labelOff[last] + 1] | 0x20) === 0x72 &&
      (d[this.labelOff[last] + 2] | 0x20) === 0x70 && (d[this.labelOff[last] + 3] | 0x20) === 0x61) return;
    const cfg = this.cfg;
    let longest = 0;
    for (let i = 0; i < n; i++) if (this.labelLen[i] > this.labelLen[longest]) longest = i;
    const busy = c.hosts.bySrc.value(c.hosts.srcSlot, SCALE_60S, HF_DNS_QUERIES, c.t) >= cfg.minUniqueSubdomains / 2;
    const rareType = rec.dnsQtype === QTYPE_TXT || rec.dnsQtype === QTYPE_NULL;
    // Cheap first: ordinary lookups (short labels, A/AAAA, a quiet source) stop here.
    if (!busy && !rareType && this.labelLen[longest] < cfg.longLabel) return;
    const reg = this.registeredLabels(d, n);
    const subCount = n - reg;
    if (subCount <= 0) return;
    const k = this.key;
    writeSrc(k, 0, rec);
    k[4] = this.hashLabels(d, subCount, n);
    const T = this.domains;
    const s = T.touch(k, 0, c.t);
    T.add(s, F_QUERIES, 1);
    T.mark(s, B_SUBDOMAINS, this.hashLabels(d, 0, subCount));
    let longestSub = 0;
    for (let i = 0; i < subCount; i++) if (this.labelLen[i] > this.labelLen[longestSub]) longestSub = i;
    const longSub = this.labelLen[longestSub] >= cfg.longLabel;
    const h = longSub ? this.labelEntropy(d, longestSub) : 0;
    if (longSub && h >= cfg.minEntropy) T.add(s, F_LONG, 1);
    if (rareType) T.add(s, F_RARE_TYPE, 1);

    const unique = T.distinct(s, 0, B_SUBDOMAINS, c.t);
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
    const registered = this.labelsText(d, subCount, n);
    const name = dnsNameToString(d, rec.dnsOffset, rec.dnsQnameOffset).toLowerCase();
    c.hub.raise({
      detector: this.name,
      variant: 1,
      detail: `${src} -> ${registered}: ${why}`,
      key: `dns_tunnel|${src}|${registered}`,
      src, dst: dstString(rec), srcPort: rec.srcPort, dstPort: rec.dstPort, proto: rec.ipProto === 6 ? 'TCP' : 'UDP',
      ...flowOf(c.flows, c.flowSlot),
      score, threshold,
      evidence: {
        domain: registered, queries: Math.round(T.value(s, 0, F_QUERIES, c.t)), unique_subdomains: unique,
        long_high_entropy_labels: Math.round(longLabels), txt_null_queries: Math.round(rare),
        example_query: name.length > 120 ? name.slice(0, 120) + '...' : name,
        example_entropy: Math.round((longSub ? h : this.labelEntropy(d, longestSub)) * 100) / 100,
        example_type: dnsTypeName(rec.dnsQtype),
      },
      window: windowLabel(cfg.windowSec),
    }, c.t);
  }
}
