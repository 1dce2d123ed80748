// --since/--until values: a duration back from now (90s, 15m, 1h, 7d) or a date/time (ISO 8601, UTC unless a zone is given).

import { parseDateSeconds } from '../date-text.js';
import { NetwatchError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Epoch seconds for the flag's value. */
export function parseTimeArg(flag: string, value: string, now = Date.now()): number {
  const rel = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (rel) return now / 1000 - Number(rel[1]) * UNITS[rel[2]];
  const sec = parseDateSeconds(value);
  if (Number.isNaN(sec)) {
    throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${value}: not a duration (30m, 1h, 7d) or a date/time that exists (2024-05-01T12:00:00Z)`);
  }
  return sec;
}

/** A length of time (10s, 5m, 1h) or plain seconds, for flags like --window. */
export function parseDurationArg(flag: string, value: string | number): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)([smhdw]?)$/.exec(text);
  const sec = m ? Number(m[1]) * (m[2] === '' ? 1 : UNITS[m[2]]) : NaN;
  if (!(sec > 0)) throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${text}: not a positive duration (10s, 5m, 1h)`);
  return sec;
}

/** --since and --until as epoch seconds; an end before the start is a usage error (it could only match nothing). */
export function parseTimeRange(since: string | undefined, until: string | undefined): { since?: number; until?: number } {
  const s = since !== undefined ? parseTimeArg('since', since) : undefined;
  const u = until !== undefined ? parseTimeArg('until', until) : undefined;
  if (s !== undefined && u !== undefined && u < s) throw new NetwatchError('NW_ERR_USAGE', `--until ${until} is before --since ${since}`);
  return { since: s, until: u };
}
