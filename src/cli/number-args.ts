// Validation of numeric flags, so a bad value is one line naming the flag and exit status 2.

import { NetwatchError } from '../errors.js';

export function checkNumber(flag: string, v: number | undefined, opts: { min: number; max?: number; integer?: boolean; alias?: string }): void {
  if (v === undefined) return;
  const bad = Number.isNaN(v) || v < opts.min || (opts.max !== undefined && v > opts.max) || (opts.integer === true && !Number.isInteger(v));
  if (bad) {
    const range = opts.max !== undefined ? `between ${opts.min} and ${opts.max}` : `at least ${opts.min}`;
    throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${Number.isNaN(v) ? typedValue(flag, opts.alias) : String(v)}: must be ${opts.integer === true ? 'an integer ' : 'a number '}${range}`);
  }
}

/** What the user typed for --flag (yargs has already turned a non-number into NaN). */
function typedValue(flag: string, alias?: string): string {
  const args = process.argv;
  const names = alias !== undefined ? [`--${flag}`, `-${alias}`] : [`--${flag}`];
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n && i + 1 < args.length) return JSON.stringify(args[i + 1]);
      if (args[i].startsWith(`${n}=`)) return JSON.stringify(args[i].slice(n.length + 1));
    }
  }
  return '(not a number)';
}
