// The daemon's one config: defaults, then the JSON file, then NETWATCH_* environment variables, then flags;
// every key and value checked once (unknown keys refused, the key named), then frozen.

import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import cron from 'node-cron';
import { NetwatchError, fileErrorText } from '../errors.js';
import { defaultDbPath } from './default-paths.js';
import { DETECTION_DEFAULTS, type DetectionConfig } from './detection-defaults.js';
import { mergeDetection } from './detection-config-file.js';
import { deepFreeze } from './deep-freeze.js';
import { parseIntelConfig, parseReputationConfig } from './intel-config.js';
import type { ReputationConfig } from '../intel/reputation-lookup.js';
import type { FeedConfig } from '../intel/intel-store.js';

export interface DaemonConfig {
  /** Capture device; null picks the first interface that is up and not loopback. */
  interface: string | null;
  filter: string;
  bufferMb: number;
  ringMb: number;
  snaplen: number;
  db: string;
  dbFlows: 'off' | 'alerted' | 'all';
  /** Alert log (JSON Lines); null for none. */
  alertLog: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  statsIntervalSec: number;
  retentionDays: number;
  retentionBatch: number;
  /** node-cron expressions (5 fields, or 6 with seconds). */
  schedules: { retention: string; checkpoint: string; rollup: string; modelRefresh: string; intelReload: string; hostScores: string };
  /** Threat-intelligence feeds (docs/intel.md), reloaded on SIGHUP and on schedules.intelReload. */
  intel: readonly FeedConfig[];
  /** Online reputation lookups of alerted addresses (docs/intel.md); null for none. */
  reputation: ReputationConfig | null;
  /** Model file (from netwatch train) scoring host windows; null for none. Refreshed in place on schedules.modelRefresh. */
  model: string | null;
  /** A refresh waits until this many clean windows were collected. */
  modelRefreshMinWindows: number;
  detection: DetectionConfig;
}

function stateDir(): string | null {
  return process.env.STATE_DIRECTORY?.split(':')[0] ?? null;
}

function logsDir(): string | null {
  return process.env.LOGS_DIRECTORY?.split(':')[0] ?? null;
}

/** Under systemd (StateDirectory/LogsDirectory set) the service's own directories; otherwise the user's. */
export function daemonDefaults(): DaemonConfig {
  const state = stateDir();
  const logs = logsDir();
  return {
    interface: null,
    filter: '',
    bufferMb: 64,
    ringMb: 64,
    snaplen: 65535,
    db: state !== null ? join(state, 'netwatch.db') : defaultDbPath(),
    dbFlows: 'alerted',
    alertLog: logs !== null ? join(logs, 'alerts.json') : null,
    logLevel: 'info',
    statsIntervalSec: 60,
    retentionDays: 30,
    retentionBatch: 5000,
    schedules: { retention: '17 * * * *', checkpoint: '*/5 * * * *', rollup: '* * * * *', modelRefresh: '43 3 * * *', intelReload: '*/30 * * * *', hostScores: '*/5 * * * *' },
    intel: [],
    reputation: null,
    model: null,
    modelRefreshMinWindows: 500,
    detection: DETECTION_DEFAULTS,
  };
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/** Refuses a value, naming it as the operator gave it: the file's key, the variable, or the flag. */
function bad(where: string, key: string, why: string): never {
  if (where === 'command line') throw new NetwatchError('NW_ERR_CONFIG', `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${why}`);
  const variable = where === 'environment' ? Object.keys(ENV).find((n) => ENV[n] === key) : undefined;
  throw new NetwatchError('NW_ERR_CONFIG', `${where}: ${variable ?? key}: ${why}`);
}

/**
 * A file path set in the config must be in a directory that exists: the daemon makes only its default
 * directories, so a typo is an error at start (exit 2), not a tree made somewhere unexpected (as root).
 */
function inExistingDirectory(where: string, key: string, path: string, defaultPath: string | null): void {
  if (path === defaultPath) return;
  const dir = dirname(resolve(path));
  let st;
  try { st = statSync(dir); } catch { /* missing */ }
  if (st === undefined) bad(where, key, `${path}: directory ${dir} does not exist (netwatch makes only its default directories)`);
  if (!st.isDirectory()) bad(where, key, `${path}: ${dir} is not a directory`);
}

/** Applies one layer of overrides (file, environment or flags) to cfg, checking each key and value. */
function apply(cfg: DaemonConfig, layer: Record<string, unknown>, where: string): void {
  for (const [key, v] of Object.entries(layer)) {
    if (v === undefined) continue;
    switch (key) {
      case 'interface':
        if (v !== null && (typeof v !== 'string' || v === '')) bad(where, key, 'must be an interface name or null');
        cfg.interface = v as string | null;
        break;
      case 'filter':
        if (typeof v !== 'string') bad(where, key, 'must be a BPF filter string');
        cfg.filter = v;
        break;
      case 'db':
        if (typeof v !== 'string' || v === '') bad(where, key, 'must be a file path');
        cfg.db = v;
        break;
      case 'model':
        if (v !== null && (typeof v !== 'string' || v === '')) bad(where, key, 'must be a model file path or null');
        cfg.model = v as string | null;
        break;
      case 'alertLog':
        if (v !== null && (typeof v !== 'string' || v === '')) bad(where, key, 'must be a file path or null');
        cfg.alertLog = v as string | null;
        break;
      case 'dbFlows':
        if (v !== 'off' && v !== 'alerted' && v !== 'all') bad(where, key, `must be off, alerted or all, got ${JSON.stringify(v)}`);
        cfg.dbFlows = v;
        break;
      case 'logLevel':
        if (typeof v !== 'string' || !LEVELS.includes(v)) bad(where, key, `must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(v)}`);
        cfg.logLevel = v as DaemonConfig['logLevel'];
        break;
      case 'bufferMb': case 'ringMb': case 'snaplen': case 'statsIntervalSec': case 'retentionDays': case 'retentionBatch': case 'modelRefreshMinWindows': {
        // Text is a number only where everything is text (the environment, flags): "" read as 0 turned
        // retention off, and in the file "8" passed for 8; sizes and counts are whole numbers.
        const fromText = where === 'environment' || where === 'command line';
        const n = typeof v === 'string' && fromText && v.trim() !== '' ? Number(v) : v;
        const limits: Record<string, [number, number]> = {
          bufferMb: [1, 4096], ringMb: [1, 1024], snaplen: [64, 262144], statsIntervalSec: [1, 86400], retentionDays: [0, 36500], retentionBatch: [1, 1_000_000],
          modelRefreshMinWindows: [2, 10_000_000],
        };
        const [lo, hi] = limits[key];
        if (typeof n !== 'number' || !Number.isFinite(n) || n < lo || n > hi) bad(where, key, `must be a number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
        if (key !== 'retentionDays' && !Number.isInteger(n)) bad(where, key, `must be a whole number from ${lo} to ${hi}, got ${JSON.stringify(v)}`);
        (cfg as unknown as Record<string, number>)[key] = n;
        break;
      }
      case 'schedules': {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(where, key, 'must be an object');
        const s = { ...cfg.schedules };
        for (const [job, expr] of Object.entries(v as Record<string, unknown>)) {
          if (!(job in s)) bad(where, `schedules.${job}`, `unknown job (known: ${Object.keys(s).join(', ')})`);
          if (typeof expr !== 'string' || !cron.validate(expr)) bad(where, `schedules.${job}`, `not a cron expression: ${JSON.stringify(expr)}`);
          (s as Record<string, string>)[job] = expr;
        }
        cfg.schedules = s;
        break;
      }
      case 'detection':
        cfg.detection = mergeDetection(where, v);
        break;
      case 'intel':
        cfg.intel = parseIntelConfig(where, v);
        break;
      case 'reputation':
        cfg.reputation = v === null ? null : parseReputationConfig(where, v);
        break;
      default:
        bad(where, key, `unknown key (known: ${Object.keys(daemonDefaults()).join(', ')})`);
    }
  }
}

const ENV: Readonly<Record<string, keyof DaemonConfig>> = {
  NETWATCH_INTERFACE: 'interface', NETWATCH_FILTER: 'filter', NETWATCH_DB: 'db', NETWATCH_ALERT_LOG: 'alertLog',
  NETWATCH_LOG_LEVEL: 'logLevel', NETWATCH_DB_FLOWS: 'dbFlows', NETWATCH_STATS_INTERVAL: 'statsIntervalSec',
  NETWATCH_RETENTION_DAYS: 'retentionDays', NETWATCH_MODEL: 'model',
};

/** file < environment < flags. */
export function loadDaemonConfig(file: string | undefined, flags: Partial<Record<keyof DaemonConfig, unknown>>): DaemonConfig {
  const cfg = daemonDefaults();
  if (file !== undefined) {
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
    if (json === null || typeof json !== 'object' || Array.isArray(json)) bad(file, '(top level)', 'must be an object');
    apply(cfg, json as Record<string, unknown>, file);
  }
  const env: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (process.env[name] !== undefined) env[key] = process.env[name];
  apply(cfg, env, 'environment');
  apply(cfg, flags as Record<string, unknown>, 'command line');
  // Checked once the layers are merged: a file's path the environment overrides (netwatch@.service's alert log) is not used.
  const defaults = daemonDefaults();
  for (const key of ['db', 'alertLog'] as const) {
    const path = cfg[key];
    if (path === null) continue;
    const where = flags[key] !== undefined ? 'command line' : env[key] !== undefined ? 'environment' : file ?? 'config';
    inExistingDirectory(where, key, path, defaults[key]);
  }
  // A refresh waits for this many windows in a sample that never holds more than refreshWindows: it would never run.
  if (cfg.modelRefreshMinWindows > cfg.detection.anomaly.refreshWindows) {
    throw new NetwatchError('NW_ERR_CONFIG', `${file ?? 'config'}: modelRefreshMinWindows ${cfg.modelRefreshMinWindows} is more than ` +
      `detection.anomaly.refreshWindows ${cfg.detection.anomaly.refreshWindows}, the most windows a refresh can hold: the model would never be refreshed`);
  }
  return deepFreeze(cfg);
}
