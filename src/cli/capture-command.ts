// `netwatch capture`: live capture on an interface, packet lines, summary with loss, optional export.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { LiveCapture } from '../capture/live-capture.js';
import type { RingCounters } from '../capture/frame-ring.js';
import {
  assertInterfaceExists, defaultInterface, readInterfaceCounters, type InterfaceCounters,
} from '../capture/network-interfaces.js';
import { linkTypeName } from '../decode/link-types.js';
import { componentLogger } from '../log.js';
import { ConsolePacketSink } from '../output/console-packet-sink.js';
import type { PacketSink } from '../output/packet-sink.js';
import { buildSummary, detectionReport, renderSummary, runStats, type LossReport } from '../output/summary-report.js';
import { REPUTATION_WAIT_MS, setupDetection, withDetectionOptions, type DetectionArgs } from './detection-options.js';
import { Pipeline, runLive } from '../pipeline.js';
import { checkNumber } from './number-args.js';
import { checkOutputs, exportFormat, exportSink, inputFiles, stdoutCarriesData, withOutputOptions, type OutputArgs } from './output-options.js';
import { listenForStop } from './stop-signals.js';
import { stdoutReaderGone } from '../output/stdout-reader.js';

interface CaptureArgs extends OutputArgs, DetectionArgs {
  interface?: string;
  count: number;
  duration?: number;
  filter: string;
  'buffer-mb': number;
  'ring-mb': number;
  snaplen: number;
}

function lossReport(
  device: string, filter: string, seenAtStart: number, end: RingCounters,
  before: InterfaceCounters | null, after: InterfaceCounters | null,
): LossReport {
  let interfaceCounters: LossReport['interfaceCounters'];
  if (filter !== '') {
    interfaceCounters = { measured: false, reason: 'a capture filter is set, so they include packets the filter discarded' };
  } else if (before === null || after === null) {
    interfaceCounters = { measured: false, reason: `${device} has no kernel packet counters` };
  } else {
    // On loopback a packet is sent and received, counted twice, and seen by the capture once.
    const rx = after.rxPackets - before.rxPackets;
    const expected = after.loopback ? rx : rx + (after.txPackets - before.txPackets);
    // Frames received in the grace period after the counters were read were mostly queued before it.
    const got = end.seen - seenAtStart;
    interfaceCounters = { measured: true, expected, estimate: Math.max(0, expected - got), rxDropped: after.rxDropped - before.rxDropped };
  }
  return { seen: end.seen, ringDrops: end.drops, ringDropBytes: end.dropBytes, pcap: end.kernel, interfaceCounters };
}

async function handler(argv: ArgumentsCamelCase<CaptureArgs>): Promise<void> {
  checkNumber('count', argv.count, { min: 0, integer: true, alias: 'c' });
  checkNumber('duration', argv.duration, { min: 0.001, alias: 'd' });
  checkNumber('buffer-mb', argv['buffer-mb'], { min: 1, max: 4096 });
  checkNumber('ring-mb', argv['ring-mb'], { min: 1, max: 1024 });
  checkNumber('snaplen', argv.snaplen, { min: 64, max: 262144, integer: true });
  const format = exportFormat(argv);
  checkOutputs(format !== undefined, argv, inputFiles(argv));
  const log = componentLogger('capture');
  let device = argv.interface;
  if (device === undefined) {
    device = defaultInterface();
    process.stderr.write(`netwatch: no -i given, capturing on ${device}\n`);
  } else {
    assertInterfaceExists(device);
  }

  const live = await LiveCapture.start({ device, filter: argv.filter, bufferMiB: argv['buffer-mb'], ringMiB: argv['ring-mb'], snaplen: argv.snaplen });
  const sinks: PacketSink[] = [];
  let exporter: ReturnType<typeof exportSink> = null;
  let exportToStdout: boolean;
  let detection: ReturnType<typeof setupDetection>;
  // The capture thread is running: a bad --config, --model, output path or a locked database must stop
  // it, or the process waits on it for ever after printing the error.
  try {
    exporter = exportSink(format, argv.out);
    exportToStdout = stdoutCarriesData(exporter !== null, argv);
    if (!argv.quiet && !exportToStdout) sinks.push(new ConsolePacketSink());
    if (exporter) sinks.push(exporter);
    // Alerts are printed as they happen, on stdout unless stdout carries an export or the JSON summary.
    detection = setupDetection(argv, exportToStdout || argv.summary === 'json' ? process.stderr : process.stdout,
      { kind: 'interface', source: argv.filter ? `${device} (filter "${argv.filter}")` : device });
  } catch (e) {
    exporter?.abort();
    await live.stop();
    throw e;
  }
  const pipeline = new Pipeline(sinks, detection.engine, detection.minutes);
  if (detection.minutes) {
    detection.minutes.dropsProvider = () => {
      const c = live.reader.counters();
      return { ring: c.drops, kernel: c.kernel?.dropped ?? 0 };
    };
  }
  if (detection.engine) {
    detection.engine.hub.lossProvider = () => {
      const c = live.reader.counters();
      return { ringDrops: c.drops, kernelDrops: c.kernel?.dropped ?? 0, received: c.seen };
    };
  }
  const counters0 = live.reader.counters();
  const ifBefore = readInterfaceCounters(device);
  const limits = [argv.count > 0 ? `${argv.count} packets` : '', argv.duration ? `${argv.duration} s` : ''].filter(Boolean).join(' or ');
  process.stderr.write(`netwatch: capturing on ${device} (${linkTypeName(live.linkType)})` +
    `${argv.filter ? `, filter "${argv.filter}"` : ''}${limits ? `, until ${limits}` : ', until Ctrl-C'}\n`);
  log.info({ device, filter: argv.filter, linkType: live.linkType }, 'capture started');

  const stop = listenForStop(() => {
    pipeline.abort();
    process.stderr.write('netwatch: interrupted twice, exiting without summary\n');
    process.exit(130);
  });
  let reason;
  const started = performance.now();
  let ifAfter: InterfaceCounters | null = null;
  try {
    reason = await runLive(pipeline, live, {
      count: argv.count,
      durationSec: argv.duration ?? 0,
      shouldStop: stop.requested,
      onTick: () => {
        const c = live.reader.counters();
        log.debug({ seen: c.seen, drops: c.drops, kernel: c.kernel, ringUsed: live.reader.occupancy(), ringSize: live.reader.capacity }, 'capture stats');
      },
      onStopDecided: () => {
        ifAfter = readInterfaceCounters(device);
      },
    });
  } catch (e) {
    pipeline.abort();
    const lost = live.reader.counters();
    detection.abort(pipeline.totals(lost.drops, lost.kernel?.dropped ?? 0));
    await live.stop();
    throw e;
  } finally {
    stop.dispose();
  }
  const c = live.reader.counters();
  pipeline.finish();
  // Reputation lookups queued by alerts: waited for a little, at the rate the config allows.
  await detection.drainReputation(REPUTATION_WAIT_MS);
  detection.finish(pipeline.totals(c.drops, c.kernel?.dropped ?? 0));

  if (argv.summary !== 'none') {
    const report = buildSummary(pipeline.summary, `live capture on ${device}${argv.filter ? ` (filter "${argv.filter}")` : ''}`, false);
    report.stopReason = reason === 'count' ? `after ${argv.count} packets` : reason === 'duration' ? `after ${argv.duration} s`
      : reason === 'lost' ? `the interface went away (${live.lost})` : stdoutReaderGone() ? 'standard output closed by its reader' : 'on signal';
    report.run = runStats(pipeline.summary.packets, started);
    if (detection.engine) {
      report.detection = detectionReport(detection.engine, detection.report(), detection.anomaly, detection.intel, detection.reputation);
      // They were printed as they happened; the summary lists only the incidents.
      if (argv.summary === 'text') report.detection.alerts = [];
    }
    report.loss = lossReport(device, argv.filter, counters0.seen, c, ifBefore, ifAfter);
    const text = argv.summary === 'json' ? JSON.stringify(report) + '\n' : renderSummary(report);
    (exportToStdout ? process.stderr : process.stdout).write(text);
  }
  log.info({ packets: pipeline.summary.packets, drops: c.drops }, 'capture stopped');
  if (reason === 'lost') {
    process.stderr.write(`netwatch: capture on ${device} stopped: ${live.lost}\n`);
    process.exitCode = 1;
  }
}

export const captureCommand: CommandModule<object, CaptureArgs> = {
  command: 'capture',
  describe: 'Capture live traffic on an interface, print packets and a summary',
  builder: (y: Argv) => withDetectionOptions(withOutputOptions(y))
    .option('interface', { alias: 'i', type: 'string', describe: 'interface to capture on (default: first one up, not loopback)' })
    .option('count', { alias: 'c', type: 'number', default: 0, describe: 'stop after this many packets (0: no limit)' })
    .option('duration', { alias: 'd', type: 'number', describe: 'stop after this many seconds' })
    .option('filter', { alias: 'f', type: 'string', default: '', describe: 'BPF capture filter (pcap-filter syntax)' })
    .option('buffer-mb', { type: 'number', default: 64, describe: 'libpcap kernel buffer in MiB' })
    .option('ring-mb', { type: 'number', default: 64, describe: 'frame ring between capture and analysis threads, MiB' })
    .option('snaplen', { type: 'number', default: 65535, describe: 'bytes kept of each packet' })
    .example('sudo netwatch capture -i eth0 --count 50', 'print 50 packets and a summary')
    .example("sudo netwatch capture -i eth0 --filter 'tcp port 443' --duration 60 --export csv -o https.csv", 'one minute of HTTPS to CSV')
    .example('sudo netwatch capture -q', 'until Ctrl-C on the default interface, summary only')
    .epilog('Needs CAP_NET_RAW: run with sudo or see `netwatch capture` errors for the setcap line. ' +
      'Ctrl-C ends the capture with the summary and a complete export; a second Ctrl-C exits at once.') as unknown as Argv<CaptureArgs>,
  handler,
};
