// --since/--until values: a duration back from now (90s, 15m, 1h, 7d) or a date/time (ISO 8601).

import { NetwatchError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Epoch seconds for the flag's value. */
export function parseTimeArg(flag: string, value: string, now = Date.now()): number {
  const rel = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(value.trim());
  if (rel) return now / 1000 - Number(rel[1]) * UNITS[rel[2]];
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${value}: not a duration (30m, 1h, 7d) or a date/time (2024-05-01T12:00:00Z)`);
  }
  return ms / 1000;
}
