// Threat-intelligence feed files in the formats operators already have, parsed line by line into
// indicators. A bad line is counted (with the first few quoted, line numbers included), never fatal.
//   plain        one IP, CIDR or domain per line; '#' and ';' start comments
//   spamhaus     Spamhaus DROP/EDROP: "1.10.16.0/20 ; SBL256894" (the SBL id is kept as the reference)
//   firehol      FireHOL netsets: IPs and CIDRs, '#' comments
//   suricata     Suricata IP reputation: "ip,category,score" (category id or name, score 0-127)
//   zeek         Zeek Intel framework TSV: "#fields indicator<TAB>indicator_type<TAB>meta.source...",
//                with Intel::ADDR, Intel::SUBNET and Intel::DOMAIN rows (other types are skipped)
//   domains      one domain per line (hosts-file lines "0.0.0.0 evil.example" too)

import { isIP } from 'node:net';

export const FEED_FORMATS = ['plain', 'spamhaus', 'firehol', 'suricata', 'zeek', 'domains'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export interface Indicator {
  kind: 'address' | 'domain';
  /** Address or CIDR text as written (normalised: no spaces), or a lower-case domain. */
  value: string;
  /** For addresses: the prefix length (32/128 for a single address). */
  prefix: number;
  category: string | null;
  score: number | null;
  /** Where the feed says it came from (SBL id, meta.source), if it does. */
  reference: string | null;
}

export interface FeedParse {
  indicators: Indicator[];
  lines: number;
  badLines: number;
  /** The first few bad lines: "line 12: 999.1.1.1: not an IP address or CIDR". */
  badExamples: string[];
  skipped: number;
}

const MAX_EXAMPLES = 5;
const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))+$/;

/** "10.0.0.0/8", "2001:db8::/32" or a single address -> [address, prefix] or an error text. */
export function parseCidr(text: string): [string, number] | string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v = isIP(addr);
  if (v === 0) return `${text}: not an IP address or CIDR`;
  const max = v === 4 ? 32 : 128;
  if (slash < 0) return [addr, max];
  const len = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(len) || Number(len) > max) return `${text}: prefix length must be 0-${max}`;
  return [addr, Number(len)];
}

function stripComment(line: string, marks: string): string {
  let end = line.length;
  for (const m of marks) { const i = line.indexOf(m); if (i >= 0 && i < end) end = i; }
  return line.slice(0, end).trim();
}

/** Parses a feed; with onIndicator each indicator is handed over as it is read and none are kept (a million-line feed makes no million objects at once). */
export function parseFeed(text: string, format: FeedFormat, onIndicator?: (ind: Indicator) => void): FeedParse {
  const out: FeedParse = { indicators: [], lines: 0, badLines: 0, badExamples: [], skipped: 0 };
  const emit = onIndicator ?? ((ind: Indicator) => { out.indicators.push(ind); });
  const bad = (n: number, why: string): void => {
    out.badLines++;
    if (out.badExamples.length < MAX_EXAMPLES) out.badExamples.push(`line ${n}: ${why}`);
  };
  const address = (n: number, t: string, category: string | null, score: number | null, reference: string | null): void => {
    const c = parseCidr(t);
    if (typeof c === 'string') bad(n, c);
    else emit({ kind: 'address', value: t, prefix: c[1], category, score, reference });
  };
  const domain = (n: number, t: string, category: string | null, reference: string | null): void => {
    const d = t.toLowerCase().replace(/\.$/, '');
    if (!DOMAIN.test(d)) bad(n, `${t}: not a domain name`);
    else emit({ kind: 'domain', value: d, prefix: 0, category, score: null, reference });
  };
  let zeekFields: string[] | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    out.lines++;
    switch (format) {
      case 'plain': {
        const t = stripComment(raw, '#;');
        if (t === '') continue;
        // A slash or a colon never appears in a domain name: such a line is meant as an address or CIDR.
        if (t.includes(':') || t.includes('/') || /^[\d.]+$/.test(t)) address(n, t, null, null, null);
        else domain(n, t, null, null);
        break;
      }
      case 'firehol': {
        const t = stripComment(raw, '#');
        if (t !== '') address(n, t, null, null, null);
        break;
      }
      case 'spamhaus': {
        if (raw.trim().startsWith(';')) continue;
        const [cidr, ref] = raw.split(';').map((x) => x.trim());
        address(n, cidr, 'spamhaus-drop', null, ref || null);
        break;
      }
      case 'suricata': {
        const t = stripComment(raw, '#');
        if (t === '') continue;
        const f = t.split(',').map((x) => x.trim());
        if (f.length !== 3) { bad(n, `${t}: expected ip,category,score`); continue; }
        const score = Number(f[2]);
        if (!/^\d+$/.test(f[2]) || score > 127) { bad(n, `${t}: score must be 0-127`); continue; }
        if (f[1] === '') { bad(n, `${t}: empty category`); continue; }
        address(n, f[0], f[1], score, null);
        break;
      }
      case 'zeek': {
        if (raw.startsWith('#fields')) { zeekFields = raw.split('\t').slice(1); continue; }
        if (raw.startsWith('#')) continue;
        if (zeekFields === null) { bad(n, 'data before the #fields line'); continue; }
        const f = raw.split('\t');
        const get = (k: string): string | null => { const j = zeekFields!.indexOf(k); return j >= 0 && f[j] !== undefined && f[j] !== '-' ? f[j] : null; };
        const value = get('indicator');
        const type = get('indicator_type');
        if (value === null || type === null) { bad(n, 'missing indicator or indicator_type'); continue; }
        const source = get('meta.source');
        if (type === 'Intel::ADDR' || type === 'Intel::SUBNET') address(n, value, 'zeek-intel', null, source);
        else if (type === 'Intel::DOMAIN') domain(n, value, 'zeek-intel', source);
        else out.skipped++;
        break;
      }
      case 'domains': {
        let t = stripComment(raw, '#');
        if (t === '') continue;
        const parts = t.split(/\s+/);
        // hosts-file form: "0.0.0.0 evil.example"
        if (parts.length === 2 && isIP(parts[0]) !== 0) t = parts[1];
        else if (parts.length !== 1) { bad(n, `${t}: expected one domain`); continue; }
        domain(n, t, null, null);
        break;
      }
    }
  }
  return out;
}
