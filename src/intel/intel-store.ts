// The loaded threat intelligence: every feed's indicators in one prefix set (addresses and CIDRs) and
// one domain set, with each indicator's feed, category and text kept by index for the alerts.

import { readFileSync } from 'node:fs';
import { NetwatchError } from '../errors.js';
import { parseAddressWords } from '../track/address-parse.js';
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

export class IntelStore {
  readonly prefixes: PrefixSet;
  readonly domains = new DomainSet();
  private readonly feedOf: number[] = [];
  private readonly text: string[] = [];
  private readonly category: string[] = [];
  private readonly score: (number | null)[] = [];
  private readonly reference: (string | null)[] = [];
  private readonly feedNames: string[] = [];
  readonly loads: FeedLoad[] = [];
  private readonly scratch = new Uint32Array(4);

  constructor(expected = 1024) {
    this.prefixes = new PrefixSet(expected);
  }

  get indicators(): number { return this.text.length; }

  /** Reads and parses every feed; an unreadable file is a config error naming it. */
  static load(feeds: readonly FeedConfig[]): IntelStore {
    const texts = feeds.map((f) => {
      try {
        return readFileSync(f.path, 'utf8');
      } catch (e) {
        throw new NetwatchError('NW_ERR_CONFIG', `intel feed ${f.name}: ${f.path}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    });
    const store = new IntelStore(Math.max(1024, texts.reduce((n, t) => n + t.length / 12, 0)));
    feeds.forEach((f, i) => store.addFeed(f, texts[i]));
    return store;
  }

  addFeed(f: FeedConfig, text: string): FeedLoad {
    const t0 = performance.now();
    const parsed = parseFeed(text, f.format);
    const feedIdx = this.feedNames.length;
    this.feedNames.push(f.name);
    let added = 0;
    let duplicates = 0;
    for (const ind of parsed.indicators) {
      const idx = this.text.length;
      let isNew: boolean;
      if (ind.kind === 'domain') {
        isNew = this.domains.add(ind.value, idx);
      } else {
        const addr = ind.value.split('/')[0];
        if (!parseAddressWords(addr, this.scratch, 0)) continue;
        const len = addr.includes(':') ? ind.prefix : 96 + ind.prefix;
        isNew = this.prefixes.add(this.scratch, 0, len, idx);
      }
      if (!isNew) { duplicates++; continue; }
      this.feedOf.push(feedIdx);
      this.text.push(ind.value);
      this.category.push(ind.category ?? f.category);
      this.score.push(ind.score);
      this.reference.push(ind.reference);
      added++;
    }
    const load: FeedLoad = {
      feed: f.name, path: f.path, format: f.format, lines: parsed.lines, indicators: added, duplicates,
      badLines: parsed.badLines, badExamples: parsed.badExamples, ms: Math.round(performance.now() - t0),
    };
    this.loads.push(load);
    return load;
  }

  /** The match for an address key (4 words at key[off]), or null. */
  matchAddress(key: Uint32Array, off: number): IntelMatch | null {
    const i = this.prefixes.lookup(key, off);
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

  private match(i: number): IntelMatch {
    return { feed: this.feedNames[this.feedOf[i]], indicator: this.text[i], category: this.category[i], score: this.score[i], reference: this.reference[i] };
  }
}
