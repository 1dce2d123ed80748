// `netwatch report`: a self-contained HTML report (and PNG charts) of capture files, or of what a database
// holds for a time range.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { defaultDbPath } from '../config/default-paths.js';
import { loadDetectionConfig } from '../config/detection-config-file.js';
import { NetwatchError } from '../errors.js';
import { formatBytes } from '../output/summary-report.js';
import { reportFromCapture } from '../report/capture-report.js';
import { reportCharts } from '../report/chart-options.js';
import { writeChartPngs } from '../report/chart-png.js';
import { reportFromDatabase, type ReportData } from '../report/report-data.js';
import { renderReportHtml } from '../report/report-html.js';
import { openDatabase } from '../store/netwatch-db.js';
import { fileProgressPrinter } from './file-progress.js';
import { anyDamaged, warnAboutFiles } from './file-warnings.js';
import { checkNumber } from './number-args.js';
import { checkNotInput, checkOutputDirectory, checkOutputFile, inputFiles } from './output-options.js';
import { listenForStop } from './stop-signals.js';
import { parseTimeRange } from './time-args.js';

interface ReportArgs {
  files?: string[];
  db?: string;
  since?: string;
  until?: string;
  html?: string;
  png?: string;
  config?: string;
  model?: string;
  'max-rows': number;
  title?: string;
  quiet: boolean;
  decay: boolean;
}

async function handler(argv: ArgumentsCamelCase<ReportArgs>): Promise<void> {
  const files = argv.files ?? [];
  if (argv.html === undefined && argv.png === undefined) {
    throw new NetwatchError('NW_ERR_USAGE', 'report: say where to write it: --html FILE and/or --png DIR');
  }
  if (argv.html === '') throw new NetwatchError('NW_ERR_USAGE', 'report: --html needs a file name');
  if (argv.png === '') throw new NetwatchError('NW_ERR_USAGE', 'report: --png needs a directory');
  if (argv.html !== undefined) {
    checkOutputFile('html', argv.html, 'in-place');
    checkNotInput('html', argv.html, [...files, ...inputFiles(argv)]);
  }
  // Checked before anything is analysed or written: the HTML was written, then the run failed on the chart directory.
  if (argv.png !== undefined) {
    if (argv.html !== undefined && resolve(argv.png) === resolve(argv.html)) {
      throw new NetwatchError('NW_ERR_USAGE', `--png ${argv.png}: is the --html file; --png names a directory for the charts`);
    }
    checkOutputDirectory('png', argv.png, 'the charts');
  }
  checkNumber('max-rows', argv['max-rows'], { min: 1, integer: true });
  if (files.length > 0 && (argv.since !== undefined || argv.until !== undefined)) {
    throw new NetwatchError('NW_ERR_USAGE', 'report: --since and --until select from a database; a capture file is reported whole');
  }
  if (files.length === 0 && argv.model !== undefined) {
    throw new NetwatchError('NW_ERR_USAGE', 'report: --model scores capture files; a database report shows the alerts already stored');
  }
  let data: ReportData;
  if (files.length > 0) {
    const progress = argv.quiet ? undefined : fileProgressPrinter('analyzing');
    const stop = listenForStop(() => process.exit(130));
    try {
      const r = await reportFromCapture(files, {
        config: argv.config, model: argv.model, db: argv.db, onProgress: progress, shouldStop: stop.requested, maxRows: argv['max-rows'],
        decay: argv.decay,
      });
      data = r.data;
      // A file with no packets is named there ("nothing to report in this range" below is for databases).
      warnAboutFiles(r.files);
      // The report covers what came before the damage; it is written, and the exit status says a file was corrupt.
      if (anyDamaged(r.files)) process.exitCode = 1;
    } finally {
      stop.dispose();
      if (progress) process.stderr.write('\r\x1b[K');
    }
  } else {
    const path = argv.db ?? defaultDbPath();
    if (!existsSync(path)) {
      throw new NetwatchError('NW_ERR_USAGE', `report: no capture file named and no database at ${path} (name files, or --db FILE)`);
    }
    const { since, until } = parseTimeRange(argv.since, argv.until);
    const db = openDatabase(path, true);
    try {
      const range = argv.since !== undefined ? `, since ${argv.since}` : '';
      data = reportFromDatabase(db, {
        title: argv.title ?? `${path}${range}`, since, until, weights: loadDetectionConfig(argv.config).threatScore, maxRows: argv['max-rows'],
        decay: argv.decay,
      });
    } finally {
      db.close();
    }
  }
  if (argv.title !== undefined) data = { ...data, title: argv.title };
  const s = data.summary;
  const what = `${s.packets.toLocaleString('en-US')} packets, ${s.alerts} alerts, ${s.incidents} incidents, ${s.flaggedHosts} flagged hosts`;
  if (argv.html !== undefined) {
    const html = renderReportHtml(data);
    try {
      writeFileSync(argv.html, html);
    } catch (e) {
      throw new NetwatchError('NW_ERR_OUTPUT', `--html ${argv.html}: cannot write (${(e as Error).message})`);
    }
    process.stdout.write(`${argv.html}: ${what} (${formatBytes(statSync(argv.html).size)})\n`);
  }
  if (argv.png !== undefined) {
    const written = await writeChartPngs(reportCharts(data), argv.png);
    process.stdout.write(`${argv.png}: ${written.length} charts (${written.map((p) => p.slice(p.lastIndexOf('/') + 1)).join(', ')})\n`);
  }
  if (s.decayedHosts > 0) {
    process.stderr.write(`netwatch: note: ${s.decayedHosts} more host${s.decayedHosts === 1 ? '' : 's'} named by alerts score 0.0: their alerts are ` +
      'days older than the newest and have decayed; --no-decay weighs every alert in full\n');
  }
  if (files.length === 0 && s.packets === 0 && s.alerts === 0) {
    process.stderr.write('netwatch: warning: nothing to report in this range (no statistics and no alerts)\n');
  }
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report [files..]',
  describe: 'Write a self-contained HTML report (charts, alerts, incidents, flagged hosts) of capture files or of the database',
  builder: (y: Argv) => y
    .positional('files', { type: 'string', array: true, describe: 'pcap/pcapng files to analyse and report (omit to report from the database)' })
    .option('html', { type: 'string', describe: 'write the report to this HTML file (opens offline: everything is inlined)' })
    .option('png', { type: 'string', describe: 'also write the main charts as PNG images into this directory' })
    .option('db', { type: 'string', describe: 'database to report from (default $NETWATCH_DB or ~/.local/share/netwatch/netwatch.db); with files: keep their analysis in it' })
    .option('since', { type: 'string', describe: 'database report: from this time (90s, 15m, 24h, 7d, or an ISO 8601 date/time, UTC unless it names a zone; packet time)' })
    .option('until', { type: 'string', describe: 'database report: up to this time' })
    .option('config', { type: 'string', describe: 'JSON config: detection thresholds, intel feeds, threat-score weights (as for analyze)' })
    .option('model', { type: 'string', describe: 'files: score host windows with this model (from netwatch train)' })
    .option('max-rows', { type: 'number', default: 5000, describe: 'most alerts and incidents listed (the counts stay exact)' })
    .option('title', { type: 'string', describe: 'title of the report (default: the file name or the database)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress line' })
    .option('decay', { type: 'boolean', default: true, describe: 'threat scores halve every threatScore.halfLifeHours (24) before the newest alert (--no-decay: every alert in full, for captures of different days)' })
    .example('netwatch report traffic.pcap --html report.html', 'analyse a capture and write its report')
    .example('netwatch report --db netwatch.db --since 24h --html day.html --png charts/', 'the last day of the daemon, with PNG charts')
    .example('netwatch report --db cases.db --since 2010-07-01 --until 2010-08-01 --no-decay --html july.html', 'old captures analysed into one database, every host ranked by all its alerts')
    .epilog('A capture is analysed as netwatch analyze would (same detectors, --config and --model), into a temporary database unless --db is given.') as unknown as Argv<ReportArgs>,
  handler,
};
