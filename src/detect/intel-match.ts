// Threat intelligence on the packet path: on the first packet of every flow the source and destination
// are looked up in the loaded feeds (bounded cost: one probe per prefix length present), and every DNS
// query name by exact and parent domain. A match raises an `intel` alert naming the feed, the indicator
// and its category; other alerts about a listed address carry the match too (annotate).

import type { EveAlert } from '../alert/eve-alert.js';
import { dnsNameToString } from '../decode/dns-name.js';
import type { IntelMatch, IntelStore } from '../intel/intel-store.js';
import { type Detector, dstString, flowOf, type PacketContext, protoName, srcString } from './detector.js';

const VARIANT_DST = 1;
const VARIANT_SRC = 2;
const VARIANT_DNS = 3;

export class IntelMatchDetector implements Detector {
  readonly name = 'intel' as const;
  private store: IntelStore;
  matches = 0;

  constructor(store: IntelStore) {
    this.store = store;
  }

  /** Reloaded feeds (SIGHUP, schedule): lookups use the new store from the next packet. */
  replaceStore(s: IntelStore): void {
    this.store = s;
  }

  get current(): IntelStore { return this.store; }

  packet(c: PacketContext): void {
    if (!c.isIp) return;
    const rec = c.rec;
    const s = this.store;
    if (c.newFlow && s.addressCount > 0) {
      const k = c.hosts.key;
      const d = s.matchAddress(k, 4);
      if (d !== null) this.raise(c, d, VARIANT_DST, dstString(rec));
      const m = s.matchAddress(k, 0);
      if (m !== null) this.raise(c, m, VARIANT_SRC, srcString(rec));
    }
    if (rec.dnsQnameOffset >= 0 && !rec.dnsIsResponse && s.domains.size > 0) {
      const m = s.matchDnsName(rec.data, rec.dnsOffset, rec.dnsQnameOffset);
      if (m !== null) this.raise(c, m, VARIANT_DNS, null);
    }
  }

  private raise(c: PacketContext, m: IntelMatch, variant: number, listed: string | null): void {
    const rec = c.rec;
    const src = srcString(rec);
    const dst = dstString(rec);
    // One incident per listed address (or domain and asking host): a listed network contacted by
    // thousands of peers is one incident with a count, not thousands of alerts.
    const key = `intel|${m.feed}|${m.indicator}|${variant === VARIANT_DNS ? src : listed}`;
    this.matches++;
    if (c.hub.foldRepeat(key, c.t, this.name, src, dst, m.score ?? 1)) return;
    // The name asked for (the indicator may be a parent domain of it), as Zeek's intel.log gives seen.indicator.
    const query = variant === VARIANT_DNS ? dnsNameToString(rec.data, rec.dnsOffset, rec.dnsQnameOffset) : null;
    const what = query !== null ? `DNS query from ${src} for ${query}${query.toLowerCase() === m.indicator.toLowerCase() ? '' : ` (under ${m.indicator})`}`
      : variant === VARIANT_DST ? `${src} contacted ${listed}` : `${listed} contacted ${dst}`;
    c.hub.raise({
      detector: this.name, variant,
      detail: `${what}, listed by ${m.feed} (${m.indicator}, ${m.category})`,
      key, src, dst,
      ...(rec.srcPort >= 0 ? { srcPort: rec.srcPort, dstPort: rec.dstPort } : {}),
      proto: protoName(rec),
      ...flowOf(c.flows, c.flowSlot),
      score: m.score ?? 1, threshold: 1,
      evidence: {
        feed: m.feed, indicator: m.indicator, category: m.category, matched: variant === VARIANT_DNS ? 'dns_query' : variant === VARIANT_DST ? 'destination' : 'source',
        ...(query !== null ? { query } : {}),
        ...(m.score !== null ? { feed_score: m.score } : {}), ...(m.reference !== null ? { reference: m.reference } : {}),
      },
      window: 'first contact',
    }, c.t);
  }

  /** Other detectors' alerts about a listed address carry the match. */
  annotate(a: EveAlert): void {
    if (a.netwatch.detector === this.name || this.store.addressCount === 0) return;
    const found: NonNullable<EveAlert['netwatch']['intel']> = [];
    for (const ip of a.src_ip === a.dest_ip ? [a.src_ip] : [a.src_ip, a.dest_ip]) {
      const m = this.store.matchText(ip);
      if (m !== null) found.push({ ip, feed: m.feed, indicator: m.indicator, category: m.category });
    }
    if (found.length > 0) a.netwatch.intel = found;
  }
}
