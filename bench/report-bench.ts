// Report generation on the 1M-packet capture: `netwatch report --html` (and with --png) against the same
// analysis without a report (analyze into a database) and against tshark computing its own statistics
// (io,stat per second, IP conversations, packet lengths) over the same file, in one run.

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../test/support/corpus.js';

interface Timed { seconds: number; maxRssMiB: number }
type TimedRun = (cmd: string, argv: string[], repeat?: number) => Timed;

export function reportBench(out: string, file: string, timed: TimedRun): Record<string, unknown> {
  const db = join(out, 'report-bench.db');
  const html = join(out, 'report-bench.html');
  const png = join(out, 'report-bench-png');
  const fresh = (): void => { for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true }); };
  fresh();
  const analyze = timed(process.execPath, [CLI, 'analyze', file, '-q', '--summary', 'none', '--db', db]);
  fresh();
  const report = timed(process.execPath, [CLI, 'report', file, '--html', html, '-q']);
  const withPng = timed(process.execPath, [CLI, 'report', file, '--html', html, '--png', png, '-q']);
  const tshark = timed('tshark', ['-r', file, '-q', '-z', 'io,stat,1', '-z', 'conv,ip', '-z', 'plen,tree']);
  fresh();
  return {
    packets: 1_000_000,
    analyzeIntoDbSec: analyze.seconds,
    reportHtmlSec: report.seconds,
    reportHtmlPngSec: withPng.seconds,
    tsharkStatsSec: tshark.seconds,
    reportOverAnalyze: round(report.seconds / analyze.seconds),
    reportOverTshark: round(report.seconds / tshark.seconds),
    htmlBytes: statSync(html).size,
    reportMaxRssMiB: report.maxRssMiB,
    tsharkMaxRssMiB: tshark.maxRssMiB,
  };
}

function round(x: number): number { return Math.round(x * 100) / 100; }
