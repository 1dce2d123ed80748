// Reads detection overrides from a JSON config file ({"detection": {...}}), checks every key and value
// against the defaults' shape, and returns one frozen config.

import { readFileSync } from 'node:fs';
import { NetwatchError, fileErrorText } from '../errors.js';
import { DETECTION_DEFAULTS, type DetectionConfig } from './detection-defaults.js';
import { deepFreeze } from './deep-freeze.js';
import { parseIntelConfig, parseReputationConfig } from './intel-config.js';
import type { ReputationConfig } from '../intel/reputation-lookup.js';
import type { FeedConfig } from '../intel/intel-store.js';

function fail(file: string, path: string, why: string): never {
  throw new NetwatchError('NW_ERR_CONFIG', `${file}: ${path}: ${why}`);
}

/** Keys that may be 0: 0 turns the behaviour off (no suppression, no minimum age, no learning period, ...). */
const ZERO_ALLOWED = new Set(['suppressSec', 'minAgeSec', 'learnSec', 'minBytes', 'alertUnexpectedPorts', 'victim', 'attacker', 'repeatBonus', 'intelListed',
  'severityHigh', 'severityMedium', 'severityLow', 'minHistoryWindows']);

/** Table sizes and counts of things: whole numbers (the first at least 1). */
/** The largest tables a config may ask for: 2^24 flow slots (about 1.6 GiB of flows at 75%), 2^20 hosts per table. */
const MAX_FLOW_SLOTS = 16_777_216;
const MAX_HOSTS = 1_048_576;
const MAX_INCIDENTS = 1_000_000;
const AT_LEAST_ONE = new Set(['capacity', 'hostCapacity', 'maxIncidents', 'topFeatures', 'refreshWindows']);
const WHOLE_NUMBERS = new Set(['minPorts', 'minHosts', 'minSyns', 'networkMinSyns', 'networkMinSources', 'networkMinDestinations',
  'minEchoRequests', 'minPackets', 'minSources', 'minSynAcks', 'minConnections', 'minUniqueSubdomains', 'minLongLabels', 'longLabel',
  'minRareTypeQueries', 'minEchoes', 'minDistinctPayloads', 'minHistoryWindows', 'minCountToBeCommon', 'alertUnexpectedPorts']);

/** What a number must be beyond non-negative, by its key's name; null when it is fine. */
function numberRule(path: string, v: number): string | null {
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (/Ratio$/.test(key) && v > 1) return 'must be a ratio from 0 to 1';
  if (AT_LEAST_ONE.has(key) && (!Number.isInteger(v) || v < 1)) return 'must be a whole number of at least 1';
  if (WHOLE_NUMBERS.has(key) && !Number.isInteger(v)) return 'must be a whole number';
  // A minimum count of 0 would make every window a verdict (and the score, count / minimum, infinite).
  if (WHOLE_NUMBERS.has(key) && v < 1 && !ZERO_ALLOWED.has(key)) return 'must be a whole number of at least 1';
  if (v === 0 && !ZERO_ALLOWED.has(key) && (/(Sec|Hours|Days)$/.test(key) || path.includes('.timeouts.') || key === 'factor' || key === 'scale' || key === 'longLabel')) {
    return 'must be above 0';
  }
  return null;
}

function merge(file: string, path: string, base: unknown, over: unknown): unknown {
  if (Array.isArray(base)) {
    if (!Array.isArray(over) || !over.every((x) => Number.isInteger(x) && x >= 0 && x <= 65535)) {
      fail(file, path, 'must be a list of port numbers (0-65535)');
    }
    return [...over];
  }
  if (typeof base === 'number') {
    if (typeof over !== 'number' || !Number.isFinite(over) || over < 0) fail(file, path, `must be a non-negative number, got ${JSON.stringify(over)}`);
    const why = numberRule(path, over);
    if (why !== null) fail(file, path, `${why}, got ${JSON.stringify(over)}`);
    return over;
  }
  if (base !== null && typeof base === 'object') {
    if (over === null || typeof over !== 'object' || Array.isArray(over)) fail(file, path, 'must be an object');
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
      if (!(k in out)) fail(file, `${path}.${k}`, `unknown key (known: ${Object.keys(out).join(', ')})`);
      out[k] = merge(file, `${path}.${k}`, out[k], v);
    }
    return out;
  }
  return over;
}

/** Reads a --config file: a JSON object whose keys may be "detection" and "intel". */
function readConfigObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new NetwatchError('NW_ERR_CONFIG', `--config ${file}: cannot read: ${fileErrorText(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NetwatchError('NW_ERR_CONFIG', `${file}: not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(file, '(top level)', 'must be an object');
  for (const k of Object.keys(json as object)) {
    if (k !== 'detection' && k !== 'intel' && k !== 'reputation' && k !== 'dashboard') fail(file, k, 'unknown key (known: detection, intel, reputation, dashboard)');
  }
  return json as Record<string, unknown>;
}

export function loadDetectionConfig(file: string | undefined): DetectionConfig {
  if (file === undefined) return DETECTION_DEFAULTS;
  const d = readConfigObject(file).detection;
  if (d === undefined) return DETECTION_DEFAULTS;
  return mergeDetection(file, d);
}

export interface DashboardFileConfig {
  /** Access token for `netwatch serve` (at least 16 characters). */
  token?: string;
  /** host:port the dashboard listens on. */
  listen?: string;
  /** Largest capture accepted by the upload page, MiB (0: uploads off). */
  maxUploadMb?: number;
}

/** The `dashboard` block of a --config file (netwatch serve), every key checked. */
export function loadDashboardConfig(file: string | undefined): DashboardFileConfig {
  if (file === undefined) return {};
  const v = readConfigObject(file).dashboard;
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(file, 'dashboard', 'must be an object');
  const out: DashboardFileConfig = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'token' || k === 'listen') {
      if (typeof x !== 'string' || x === '') fail(file, `dashboard.${k}`, 'must be a non-empty string');
      out[k] = x;
    } else if (k === 'maxUploadMb') {
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(file, 'dashboard.maxUploadMb', `must be a non-negative number, got ${JSON.stringify(x)}`);
      out.maxUploadMb = x;
    } else {
      fail(file, `dashboard.${k}`, 'unknown key (known: token, listen, maxUploadMb)');
    }
  }
  return out;
}

/** The online reputation lookups a --config file configures, or null. */
export function loadReputationConfig(file: string | undefined): ReputationConfig | null {
  if (file === undefined) return null;
  const v = readConfigObject(file).reputation;
  return v === undefined ? null : parseReputationConfig(file, v);
}

/** The threat-intelligence feeds a --config file names (none without a file or an "intel" block). */
export function loadIntelFeeds(file: string | undefined): readonly FeedConfig[] {
  if (file === undefined) return [];
  const v = readConfigObject(file).intel;
  return v === undefined ? [] : parseIntelConfig(file, v);
}

/** The detection defaults with `over` applied, every key and value checked; frozen. */
export function mergeDetection(file: string, over: unknown): DetectionConfig {
  const cfg = merge(file, 'detection', DETECTION_DEFAULTS, over) as DetectionConfig;
  // Tables allocated at start-up: a capacity past these would not fit in memory (or in a typed array).
  const tables = [['flows.capacity', cfg.flows.capacity, MAX_FLOW_SLOTS], ['hosts.capacity', cfg.hosts.capacity, MAX_HOSTS]] as const;
  for (const [key, v, max] of tables) {
    if (!Number.isInteger(v) || v < 1024 || v > max || !Number.isInteger(Math.log2(v))) {
      fail(file, `detection.${key}`, `must be a power of two from 1024 to ${max}, got ${v}`);
    }
  }
  if (cfg.anomaly.hostCapacity > MAX_HOSTS) fail(file, 'detection.anomaly.hostCapacity', `must be at most ${MAX_HOSTS}, got ${cfg.anomaly.hostCapacity}`);
  if (cfg.alerts.maxIncidents > MAX_INCIDENTS) fail(file, 'detection.alerts.maxIncidents', `must be at most ${MAX_INCIDENTS}, got ${cfg.alerts.maxIncidents}`);
  return deepFreeze(cfg);
}
