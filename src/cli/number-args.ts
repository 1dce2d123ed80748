// Validation of numeric flags, so a bad value is one line naming the flag and exit status 2.

import { NetwatchError } from '../errors.js';

export function checkNumber(flag: string, v: number | undefined, opts: { min: number; max?: number; integer?: boolean }): void {
  if (v === undefined) return;
  const bad = Number.isNaN(v) || v < opts.min || (opts.max !== undefined && v > opts.max) || (opts.integer === true && !Number.isInteger(v));
  if (bad) {
    const range = opts.max !== undefined ? `between ${opts.min} and ${opts.max}` : `at least ${opts.min}`;
    throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${String(v)}: must be ${opts.integer === true ? 'an integer ' : 'a number '}${range}`);
  }
}
