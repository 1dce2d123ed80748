// The "intel" block of a config file: {"feeds": [{"path": ..., "format": ..., "name"?: ..., "category"?: ...}]}.
// Paths are taken relative to the config file's folder. Every key and value is checked.

import { basename, dirname, resolve } from 'node:path';
import { NetwatchError } from '../errors.js';
import { FEED_FORMATS, type FeedFormat } from '../intel/feed-formats.js';
import type { FeedConfig } from '../intel/intel-store.js';
import { deepFreeze } from './deep-freeze.js';
import type { ReputationConfig } from '../intel/reputation-lookup.js';

function bad(file: string, key: string, why: string): never {
  throw new NetwatchError('NW_ERR_CONFIG', `${file}: ${key}: ${why}`);
}

export function parseIntelConfig(file: string, v: unknown): readonly FeedConfig[] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(file, 'intel', 'must be an object ({"feeds": [...]})');
  for (const k of Object.keys(v)) if (k !== 'feeds') bad(file, `intel.${k}`, 'unknown key (known: feeds)');
  const feeds = (v as { feeds?: unknown }).feeds ?? [];
  if (!Array.isArray(feeds)) bad(file, 'intel.feeds', 'must be a list of feeds');
  const base = dirname(resolve(file));
  const out = feeds.map((f: unknown, i): FeedConfig => {
    const at = `intel.feeds[${i}]`;
    if (f === null || typeof f !== 'object' || Array.isArray(f)) bad(file, at, 'must be an object with path and format');
    const o = f as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['path', 'format', 'name', 'category'].includes(k)) bad(file, `${at}.${k}`, 'unknown key (known: path, format, name, category)');
    if (typeof o.path !== 'string' || o.path === '') bad(file, `${at}.path`, 'must be a file path');
    if (typeof o.format !== 'string' || !(FEED_FORMATS as readonly string[]).includes(o.format)) {
      bad(file, `${at}.format`, `must be one of ${FEED_FORMATS.join(', ')}, got ${JSON.stringify(o.format)}`);
    }
    for (const k of ['name', 'category'] as const) if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) bad(file, `${at}.${k}`, 'must be a non-empty string');
    const path = resolve(base, o.path);
    return { path, format: o.format as FeedFormat, name: (o.name as string | undefined) ?? basename(path), category: (o.category as string | undefined) ?? 'listed' };
  });
  const names = new Set<string>();
  for (const f of out) { if (names.has(f.name)) bad(file, 'intel.feeds', `two feeds named ${f.name}`); names.add(f.name); }
  return deepFreeze(out);
}

const REPUTATION_DEFAULTS = { keyHeader: 'Key', key: null, scorePath: 'data.abuseConfidenceScore', ttlHours: 24, requestsPerMinute: 30, timeoutMs: 5000, maxQueue: 1000 };

/** The "reputation" block: {"url": "https://.../check?ipAddress={ip}", ...}; every key checked. */
export function parseReputationConfig(file: string, v: unknown): ReputationConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(file, 'reputation', 'must be an object ({"url": ...})');
  const o = v as Record<string, unknown>;
  const known = ['url', ...Object.keys(REPUTATION_DEFAULTS)];
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(file, `reputation.${k}`, `unknown key (known: ${known.join(', ')})`);
  if (typeof o.url !== 'string' || !/^https?:\/\/.+\{ip\}/.test(o.url)) bad(file, 'reputation.url', 'must be an http(s) URL with {ip} where the address goes');
  for (const k of ['keyHeader', 'scorePath'] as const) if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) bad(file, `reputation.${k}`, 'must be a non-empty string');
  if (o.key !== undefined && o.key !== null && typeof o.key !== 'string') bad(file, 'reputation.key', 'must be a string or null (or set NETWATCH_REPUTATION_KEY)');
  for (const k of ['ttlHours', 'requestsPerMinute', 'timeoutMs', 'maxQueue'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) <= 0)) bad(file, `reputation.${k}`, `must be a positive number, got ${JSON.stringify(o[k])}`);
  }
  return deepFreeze({ ...REPUTATION_DEFAULTS, ...o } as ReputationConfig);
}
