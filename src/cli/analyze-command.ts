// `netwatch analyze`: the capture pipeline over pcap/pcapng files, with summary, volume over time and export.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { NetwatchError } from '../errors.js';
import { buildSummary, detectionReport, renderSummary, runStats } from '../output/summary-report.js';
import { REPUTATION_WAIT_MS, setupDetection, withDetectionOptions, type DetectionArgs } from './detection-options.js';
import type { PacketSink } from '../output/packet-sink.js';
import { Pipeline, checkCaptureFiles, runFiles } from '../pipeline.js';
import { checkOutputs, exportFormat, exportSink, inputFiles, stdoutCarriesData, withOutputOptions, type OutputArgs } from './output-options.js';
import { listenForStop } from './stop-signals.js';
import { anyDamaged, warnAboutFiles } from './file-warnings.js';
import { fileProgressPrinter } from './file-progress.js';
import { defaultModelPath } from '../config/default-paths.js';
import { stdoutReaderGone } from '../output/stdout-reader.js';

interface AnalyzeArgs extends OutputArgs, DetectionArgs {
  files: string[];
}

async function handler(argv: ArgumentsCamelCase<AnalyzeArgs>): Promise<void> {
  if (argv.files === undefined || argv.files.length === 0) {
    throw new NetwatchError('NW_ERR_USAGE', `${String(argv._[0] ?? 'analyze')}: name at least one capture file (.pcap or .pcapng)`);
  }
  const format = exportFormat(argv);
  checkOutputs(format !== undefined, argv, [...argv.files, ...inputFiles(argv)]);
  const opened = checkCaptureFiles(argv.files);
  const sinks: PacketSink[] = [];
  const exporter = exportSink(format, argv.out);
  const exportToStdout = stdoutCarriesData(exporter !== null, argv);
  if (exporter) sinks.push(exporter);
  const detection = setupDetection(argv, null, { kind: 'file', source: argv.files.join(' ') });
  const pipeline = new Pipeline(sinks, detection.engine, detection.minutes);
  const stop = listenForStop(() => {
    pipeline.abort();
    process.exit(130);
  });
  const progress = argv.quiet ? undefined : fileProgressPrinter('analyzing');
  let results;
  let stoppedEarly = false;
  const started = performance.now();
  try {
    results = await runFiles(pipeline, argv.files, { onProgress: progress, shouldStop: stop.requested, opened });
    stoppedEarly = stop.requested();
  } catch (e) {
    pipeline.abort();
    detection.abort(pipeline.totals());
    throw e;
  } finally {
    stop.dispose();
    if (progress) process.stderr.write('\r\x1b[K');
  }
  pipeline.finish();
  // Reputation lookups queued by alerts: waited for a little, at the rate the config allows.
  await detection.drainReputation(REPUTATION_WAIT_MS);
  const damaged = anyDamaged(results);
  detection.finish(pipeline.totals(), damaged);
  warnAboutFiles(results);
  if (argv.summary !== 'none') {
    const report = buildSummary(pipeline.summary, argv.files.length === 1 ? argv.files[0] : `${argv.files.length} files`, true);
    report.files = results.map((r) => ({
      path: r.path, format: r.format, packets: r.packets, bytes: r.bytes, cutAt: r.cutAt,
      ...(r.damage !== null ? { damage: r.damage } : {}),
      ...(r.timeStepsBack > 0 ? { timeStepsBack: { count: r.timeStepsBack, largestSec: r.largestStepBackSec, atPacket: r.largestStepBackAt } } : {}),
      ...(r.behindEarlierAt > 0 ? { behindEarlierFiles: { sec: r.behindEarlierSec, atPacket: r.behindEarlierAt } } : {}),
    }));
    // The reader may go only at the last write (exports under 256 KiB are written at the end): then every packet was read.
    if (stdoutReaderGone()) report.stopReason = `standard output closed by its reader (${stoppedEarly ? 'files not read to the end' : 'output cut short; every packet analysed'})`;
    else if (stoppedEarly) report.stopReason = 'on signal (files not read to the end)';
    report.run = runStats(pipeline.summary.packets, started);
    if (detection.engine) report.detection = detectionReport(detection.engine, detection.report(), detection.anomaly, detection.intel, detection.reputation);
    const text = argv.summary === 'json' ? JSON.stringify(report) + '\n' : renderSummary(report);
    (exportToStdout ? process.stderr : process.stdout).write(text);
  }
  if (damaged) process.exitCode = 1;
}

/** What analyze and detect both take: the output and detection options and the capture files. */
function fileOptions(y: Argv) {
  return withDetectionOptions(withOutputOptions(y))
    .positional('files', { type: 'string', array: true, describe: 'capture files (.pcap, .pcapng)' });
}

/** `netwatch detect`: analyze with the model scoring host windows (the default model when --model is absent). */
export const detectCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'detect [files..]',
  describe: 'Analyse capture files against a trained model (analyze plus anomaly scoring)',
  builder: (y: Argv) => fileOptions(y)
    .hide('detect')
    .example('netwatch detect suspect.pcap --model model.json', 'heuristic and model alerts, with the features behind each')
    .example('netwatch detect suspect.pcap --alerts alerts.json --summary none -q', 'alerts to a file, nothing on the terminal')
    .epilog('Without --model, the model at $NETWATCH_MODEL or ~/.local/share/netwatch/model.json (what netwatch train ' +
      'writes by default) is used. A model made by another version or for another feature set is refused.') as unknown as Argv<AnalyzeArgs>,
  handler: (argv) => {
    if (argv.detect === false) throw new NetwatchError('NW_ERR_USAGE', 'detect: --no-detect makes no sense here (use analyze)');
    return handler({ ...argv, model: argv.model ?? defaultModelPath() });
  },
};

export const analyzeCommand: CommandModule<object, AnalyzeArgs> = {
  command: 'analyze [files..]',
  describe: 'Analyse pcap/pcapng files: summary, volume over time, protocol mix, export',
  builder: (y: Argv) => fileOptions(y)
    .example('netwatch analyze traffic.pcap', 'summary of one file')
    .example('netwatch analyze a.pcap b.pcapng --export csv -o packets.csv', 'every packet of both files to CSV')
    .example('zcat traffic.pcap.gz | netwatch analyze -', 'a capture from standard input (- or a FIFO; read once, in order)')
    .example('netwatch analyze traffic.pcap --export json | jq .src_ip', 'JSON Lines on stdout, summary on stderr')
    .example('netwatch analyze attack.pcap --alerts alerts.json --flows flows.json', 'alerts (EVE) and flows (with Community ID) to files')
    .example('netwatch analyze attack.pcap --db /tmp/nw.db && netwatch alerts --db /tmp/nw.db', 'alerts into a database, then query them')
    .epilog('A file cut short is analysed up to its last whole packet, with a warning. One corrupt part way through ' +
      '(a record whose length cannot be right) is analysed up to that record and the rest of it skipped, with a ' +
      'warning naming the byte offset; the other files are read, everything is written, and the exit status is 1. ' +
      'A missing or non-capture file stops the run before any packet (exit status 2) and leaves no export file.') as unknown as Argv<AnalyzeArgs>,
  handler,
};
