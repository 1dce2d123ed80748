// What went wrong inside a capture file that was still analysed (no packets, cut short, corrupt part way,
// time stepping back, impossible timestamps): the same warnings from every command that reads files.

import type { FileResult } from '../pipeline.js';
import { durationText } from '../output/duration-text.js';

/** One line per thing to warn about, each without its trailing newline, in the order of the files. */
export function fileWarnings(results: readonly FileResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    if (r.damage !== null) {
      const rest = r.bytesSkipped > 0 ? ` (${r.bytesSkipped} bytes)` : '';
      const before = r.packets === 1 ? 'the 1 packet before it was' : `the ${r.packets} packets before it were`;
      out.push(`netwatch: warning: ${r.path}: ${r.damage}; ${before} analysed, ` +
        `the rest of the file${rest} was not read`);
    } else if (r.packets === 0 && r.cutAt < 0) out.push(`netwatch: warning: ${r.path}: the file holds no packets`);
    if (r.cutAt >= 0) {
      out.push(`netwatch: warning: ${r.path}: file ends in the middle of a packet record at byte offset ${r.cutAt}; ` +
        `the ${r.packets} whole packets before it were analysed`);
    }
    if (r.behindEarlierAt > 0) {
      out.push(`netwatch: warning: ${r.path}: goes back ${durationText(r.behindEarlierSec)} before the latest packet of the files read before it ` +
        `(at packet ${r.behindEarlierAt}); files are read in the order given (name them in time order, or join them with mergecap); ` +
        'the detectors\' windows restart there, so incidents that span it may split');
    }
    if (r.timeStepsBack > 0) {
      out.push(`netwatch: warning: ${r.path}: packet time steps back ${r.timeStepsBack} time(s), by up to ${r.largestStepBackSec} s ` +
        `(at packet ${r.largestStepBackAt}); windows and incidents that span a step may split (sort the file first, e.g. with reordercap)`);
    }
    if (r.badTimestamps > 0) {
      out.push(`netwatch: warning: ${r.path}: ${r.badTimestamps} packets had an out-of-range timestamp fraction (carried into seconds)`);
    }
    if (r.timesOutOfRange > 0) {
      out.push(`netwatch: warning: ${r.path}: ${r.timesOutOfRange} packets had a time outside 1970-01-01..9999-12-31 ` +
        '(given the time of the packet before)');
    }
  }
  return out;
}

/** Writes fileWarnings() to standard error. */
export function warnAboutFiles(results: readonly FileResult[]): void {
  for (const line of fileWarnings(results)) process.stderr.write(line + '\n');
}

/** A file was corrupt part way: the run analysed what came before, and ends with exit status 1 so scripts notice. */
export function anyDamaged(results: readonly FileResult[]): boolean {
  return results.some((r) => r.damage !== null);
}
