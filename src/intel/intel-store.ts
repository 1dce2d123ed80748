// The loaded threat intelligence: every feed's indicators in one prefix set (addresses and CIDRs) and
// one domain set, with each indicator's feed, category and text kept by index for the alerts.

import { readFileSync } from 'node:fs';
import { NetwatchError, fileErrorText } from '../errors.js';
import { parseAddressWords } from '../track/address-parse.js';
import { isIpv4Words, wordsToString } from '../track/address-key.js';
import { DomainSet } from './domain-set.js';
import { parseFeed, type FeedFormat } from './feed-formats.js';
import { PrefixSet } from './prefix-set.js';

export interface FeedConfig {
  /** Shown in alerts; defaults to the file name. */
  name: string;
  path: string;
  format: FeedFormat;
  /** Category for indicators whose format carries none. */
  category: string;
}

export interface FeedLoad {
  feed: string;
  path: string;
  format: FeedFormat;
  lines: number;
  indicators: number;
  duplicates: number;
  badLines: number;
  badExamples: string[];
  ms: number;
}

export interface IntelMatch {
  feed: string;
  indicator: string;
  category: string;
  score: number | null;
  reference: string | null;
}

/** Per-indicator columns in typed arrays that double when full: a million indicators stay tens of MB. */
class Column<T extends Uint16Array | Int16Array | Uint32Array | Uint8Array> {
  data: T;
  constructor(private readonly make: (n: number) => T, n: number) { this.data = make(n); }
  set(i: number, v: number): void {
    if (i >= this.data.length) { const d = this.make(this.data.length * 2); d.set(this.data as never); this.data = d; }
    this.data[i] = v;
  }
}

export class IntelStore {
  /** IPv4 and IPv6 prefixes apart: an IPv6 prefix of /96 or shorter (::/8 in bogon lists) must not cover IPv4-mapped addresses. */
  private readonly v4: PrefixSet;
  private readonly v6: PrefixSet;
  readonly domains = new DomainSet();
  private count = 0;
  private readonly feedOf: Column<Uint16Array>;
  private readonly categoryOf: Column<Uint16Array>;
  /** Feed score, or -1 when the feed gives none. */
  private readonly scoreOf: Column<Int16Array>;
  /** Address indicators: their 4 address words and prefix length (the text is made again on a match). */
  private readonly words: Column<Uint32Array>;
  private readonly prefixLen: Column<Uint8Array>;
  /** Domain indicators' names, and the few references feeds give (Spamhaus SBL ids, Zeek meta.source). */
  private readonly domainName = new Map<number, string>();
  private readonly references = new Map<number, string>();
  private readonly categories: string[] = [];
  private readonly categoryIndex = new Map<string, number>();
  private readonly feedNames: string[] = [];
  readonly loads: FeedLoad[] = [];
  private readonly scratch = new Uint32Array(4);

  constructor(expected = 1024) {
    this.v4 = new PrefixSet(expected);
    this.v6 = new PrefixSet(1024);
    const n = Math.max(1024, expected);
    this.feedOf = new Column((k) => new Uint16Array(k), n);
    this.categoryOf = new Column((k) => new Uint16Array(k), n);
    this.scoreOf = new Column((k) => new Int16Array(k), n);
    this.words = new Column((k) => new Uint32Array(k), n * 4);
    this.prefixLen = new Column((k) => new Uint8Array(k), n);
  }

  get indicators(): number { return this.count; }

  private categoryId(c: string): number {
    let i = this.categoryIndex.get(c);
    if (i === undefined) { i = this.categories.length; this.categories.push(c); this.categoryIndex.set(c, i); }
    return i;
  }

  /** Reads and parses every feed; an unreadable file is a config error naming it. */
  static load(feeds: readonly FeedConfig[]): IntelStore {
    const texts = feeds.map((f) => {
      try {
        return readFileSync(f.path, 'utf8');
      } catch (e) {
        throw new NetwatchError('NW_ERR_CONFIG', `intel feed ${f.name}: ${f.path}: cannot read: ${fileErrorText(e)}`);
      }
    });
    let lines = 0;
    for (const t of texts) for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) lines++;
    const store = new IntelStore(lines + 16);
    feeds.forEach((f, i) => store.addFeed(f, texts[i]));
    return store;
  }

  addFeed(f: FeedConfig, text: string): FeedLoad {
    const t0 = performance.now();
    const feedIdx = this.feedNames.length;
    this.feedNames.push(f.name);
    let added = 0;
    let duplicates = 0;
    const parsed = parseFeed(text, f.format, (ind) => {
      const idx = this.count;
      let isNew: boolean;
      if (ind.kind === 'domain') {
        isNew = this.domains.add(ind.value, idx);
        if (isNew) this.domainName.set(idx, ind.value);
      } else {
        const addr = ind.value.split('/')[0];
        if (!parseAddressWords(addr, this.scratch, 0)) return;
        const v4 = !addr.includes(':') || isIpv4Words(this.scratch, 0);
        const len = addr.includes(':') ? ind.prefix : 96 + ind.prefix;
        isNew = v4 ? this.v4.add(this.scratch, 0, Math.max(96, len), idx) : this.v6.add(this.scratch, 0, len, idx);
        if (isNew) {
          for (let w = 0; w < 4; w++) this.words.set(idx * 4 + w, this.scratch[w]);
          this.prefixLen.set(idx, ind.prefix);
        }
      }
      if (!isNew) { duplicates++; return; }
      this.feedOf.set(idx, feedIdx);
      this.categoryOf.set(idx, this.categoryId(ind.category ?? f.category));
      this.scoreOf.set(idx, ind.score ?? -1);
      if (ind.reference !== null) this.references.set(idx, ind.reference);
      this.count++;
      added++;
    });
    const load: FeedLoad = {
      feed: f.name, path: f.path, format: f.format, lines: parsed.lines, indicators: added, duplicates,
      badLines: parsed.badLines, badExamples: parsed.badExamples, ms: Math.round(performance.now() - t0),
    };
    this.loads.push(load);
    return load;
  }

  /** Address indicators loaded (IPv4 and IPv6). */
  get addressCount(): number { return this.v4.size + this.v6.size; }

  /** Memory of the prefix tables, bytes. */
  get prefixBytes(): number { return this.v4.memoryBytes + this.v6.memoryBytes; }

  /** The indicator index of the longest prefix holding the address key (4 words at key[off]), or -1. */
  lookupAddress(key: Uint32Array, off: number): number {
    return isIpv4Words(key, off) ? this.v4.lookup(key, off) : this.v6.lookup(key, off);
  }

  /** The match for an address key (4 words at key[off]), or null. */
  matchAddress(key: Uint32Array, off: number): IntelMatch | null {
    const i = this.lookupAddress(key, off);
    return i < 0 ? null : this.match(i);
  }

  /** The match for a DNS query name in wire form, or null. */
  matchDnsName(d: Uint8Array, msg: number, nameOff: number): IntelMatch | null {
    const i = this.domains.lookupWire(d, msg, nameOff);
    return i < 0 ? null : this.match(i);
  }

  /** The match for an address or domain given as text (alert annotation, queries), or null. */
  matchText(text: string): IntelMatch | null {
    if (parseAddressWords(text, this.scratch, 0)) return this.matchAddress(this.scratch, 0);
    const i = this.domains.lookupText(text);
    return i < 0 ? null : this.match(i);
  }

  /** The indicator as text: the domain, or the address with its prefix length unless it is a single address. */
  private indicatorText(i: number): string {
    const d = this.domainName.get(i);
    if (d !== undefined) return d;
    const w = this.words.data.subarray(i * 4, i * 4 + 4);
    const len = this.prefixLen.data[i];
    const v4 = isIpv4Words(w, 0);
    return len === (v4 ? 32 : 128) ? wordsToString(w, 0) : `${wordsToString(w, 0)}/${len}`;
  }

  private match(i: number): IntelMatch {
    const score = this.scoreOf.data[i];
    return {
      feed: this.feedNames[this.feedOf.data[i]], indicator: this.indicatorText(i), category: this.categories[this.categoryOf.data[i]],
      score: score >= 0 ? score : null, reference: this.references.get(i) ?? null,
    };
  }
}
