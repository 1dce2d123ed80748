// `netwatch train`: learn a baseline of normal traffic from capture files and write the model file.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadDetectionConfig } from '../config/detection-config-file.js';
import { defaultModelPath } from '../config/default-paths.js';
import { DetectionEngine } from '../detect/detection-engine.js';
import { saveModel, type ModelType } from '../detect/anomaly-model.js';
import { DEFAULT_ALERTS_PER_DAY, trainModel } from '../detect/model-training.js';
import { TrainingCollector } from '../detect/training-collector.js';
import { NetwatchError } from '../errors.js';
import { Pipeline, checkCaptureFiles, runFiles, type FileResult } from '../pipeline.js';
import { checkNotInput, checkOutputFile, checkOutputPath } from './output-options.js';
import { checkNumber } from './number-args.js';
import { listenForStop } from './stop-signals.js';
import { fileProgressPrinter } from './file-progress.js';
import { anyDamaged, warnAboutFiles } from './file-warnings.js';
import { parseDurationArg } from './time-args.js';
import { durationText } from '../output/duration-text.js';

interface TrainArgs {
  files: string[];
  model?: string;
  'model-type': ModelType;
  window: string;
  'alerts-per-day'?: number;
  contamination?: number;
  seed: number;
  'min-packets': number;
  trees?: number;
  epochs?: number;
  phases: number;
  config?: string;
  json: boolean;
}

/** A threshold this many times the highest score of a learnt window gets a warning (new normal windows look like attacks). */
const UNSEEN_RATIO = 10;
/** Fewer training windows than this get a warning: the model has seen too little to call traffic normal. */
const FEW_WINDOWS = 50;

async function handler(argv: ArgumentsCamelCase<TrainArgs>): Promise<void> {
  if (argv.files === undefined || argv.files.length === 0) throw new NetwatchError('NW_ERR_USAGE', 'train: name at least one capture file of normal traffic');
  if (argv['alerts-per-day'] !== undefined && argv.contamination !== undefined) {
    throw new NetwatchError('NW_ERR_USAGE', 'train: give --alerts-per-day or --contamination, not both');
  }
  checkNumber('alerts-per-day', argv['alerts-per-day'], { min: 0 });
  checkNumber('contamination', argv.contamination, { min: 0, max: 0.5 });
  checkNumber('seed', argv.seed, { min: 0, max: 4294967295, integer: true });
  checkNumber('min-packets', argv['min-packets'], { min: 1, integer: true });
  checkNumber('trees', argv.trees, { min: 1, max: 10000, integer: true });
  checkNumber('epochs', argv.epochs, { min: 1, max: 1000, integer: true });
  // An option of the other model type would be ignored: the model would not be the one asked for.
  if (argv.trees !== undefined && argv['model-type'] === 'autoencoder') {
    throw new NetwatchError('NW_ERR_USAGE', 'train: --trees is for the isolation forest; the autoencoder takes --epochs');
  }
  if (argv.epochs !== undefined && argv['model-type'] === 'isolation-forest') {
    throw new NetwatchError('NW_ERR_USAGE', 'train: --epochs is for the autoencoder (--model-type autoencoder); the isolation forest takes --trees');
  }
  checkNumber('phases', argv.phases, { min: 1, max: 20, integer: true });
  const windowSec = parseDurationArg('window', argv.window);
  checkOutputPath('model', argv.model, false);
  // A named model's directory must exist; the default one is made.
  if (argv.model !== undefined) checkOutputFile('model', argv.model);
  const modelPath = argv.model ?? defaultModelPath();
  checkNotInput('model', modelPath, argv.config === undefined ? argv.files : [...argv.files, argv.config]);
  const opened = checkCaptureFiles(argv.files);
  const cfg = loadDetectionConfig(argv.config);

  // The heuristic detectors run too: a host they name is left out of training for that window.
  const engine = new DetectionEngine(cfg);
  const collector = new TrainingCollector(windowSec, argv['min-packets'], cfg.anomaly.hostCapacity, engine.hub, argv.phases);
  engine.addDetector(collector);
  const pipeline = new Pipeline([], engine);
  const stop = listenForStop(() => process.exit(130));
  const progress = fileProgressPrinter('reading');
  const started = performance.now();
  let results: FileResult[];
  try {
    results = await runFiles(pipeline, argv.files, { onProgress: progress, shouldStop: stop.requested, opened });
  } finally {
    stop.dispose();
    if (progress) process.stderr.write('\r\x1b[K');
  }
  warnAboutFiles(results);
  // Trained on what came before the damage; the model is written, and the exit status says a file was corrupt.
  if (anyDamaged(results)) process.exitCode = 1;
  pipeline.finish();
  const set = collector.trainingSet(argv.files, pipeline.summary.packets, engine.rareService.tables());
  let model;
  try {
    model = trainModel(set, {
      modelType: argv['model-type'], windowSec, minPackets: argv['min-packets'], seed: argv.seed,
      alertsPerDay: argv['alerts-per-day'], contamination: argv.contamination, trees: argv.trees, epochs: argv.epochs, phases: argv.phases,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new NetwatchError('NW_ERR_USAGE', `train: ${e.message}`);
    throw e;
  }
  saveModel(model, modelPath, true);
  const tr = model.training;
  // With P phases each window of traffic is read P times: the warning counts the traffic, not the copies.
  if (tr.windows_used < FEW_WINDOWS * model.phases) {
    const distinct = Math.round(tr.windows_used / model.phases);
    const copies = model.phases > 1 ? ` (${model.phases} readings of the same traffic on shifted grids: about ${distinct} window${distinct === 1 ? '' : 's'} of it)` : '';
    process.stderr.write(`netwatch: warning: train: only ${tr.windows_used} host window(s)${copies} of ${tr.hosts} host(s) to learn from; ` +
      'a model this small finds most new traffic unusual (give it minutes to hours of normal traffic of the hosts it will watch)\n');
  }
  // A window longer than the traffic: every host gave one partial window, and the budget (alerts a day)
  // was turned into windows over a day count the traffic does not have.
  if (windowSec > tr.duration_sec) {
    process.stderr.write(`netwatch: warning: train: the window (${durationText(windowSec)}) is longer than the training traffic ` +
      `(${durationText(tr.duration_sec)}): each host gave one partial window, unlike the full windows it will score, and the threshold ` +
      'and expected rate mean little; use a --window a small fraction of the traffic (the default is 30s)\n');
  }
  if (tr.windows_alerted > tr.windows_used) {
    process.stderr.write(`netwatch: warning: train: the heuristic detectors named the host in ${tr.windows_alerted} windows, more than the ` +
      `${tr.windows_used} learnt from: this traffic holds attacks or scans, not only normal traffic (those windows were left out)\n`);
  }
  if (tr.fitted_max !== undefined && tr.fitted_max > 0 && model.threshold > UNSEEN_RATIO * tr.fitted_max) {
    process.stderr.write(`netwatch: warning: train: normal windows the ${model.model_type} was not fitted on scored up to ` +
      `${(model.threshold / tr.fitted_max).toFixed(0)} times the highest of those it was fitted on (threshold ${model.threshold.toPrecision(4)} against ` +
      `${tr.fitted_max.toPrecision(4)}): to it new normal traffic looks as strange as attacks, so it will flag only the most extreme ` +
      `windows; train it on more normal traffic (hours rather than minutes)${model.model_type === 'autoencoder' ? ', or use the isolation forest' : ''}\n`);
  }
  if (argv.json) {
    // rate_measured: false when no training window is above the threshold (the text's "too little to
    // measure a rate"): expected_alerts_per_hour is then a measured 0, not a rate.
    process.stdout.write(JSON.stringify({
      model: modelPath, model_type: model.model_type, threshold: model.threshold, window_sec: windowSec,
      rate_measured: tr.expected_alerts_per_hour > 0, training: tr,
    }) + '\n');
    return;
  }
  const budget = 'contamination' in model.budget ? `contamination ${model.budget.contamination}` : `${model.budget.alerts_per_day} alerts/day`;
  const lines = [
    `model        ${modelPath} (${model.model_type}, seed ${model.seed}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    `traffic      ${tr.packets.toLocaleString('en-US')} packets, ${tr.duration_sec.toFixed(0)} s of packet time in ${tr.files.length} file(s)`,
    `windows      ${tr.windows_used.toLocaleString('en-US')} used of ${tr.windows_total.toLocaleString('en-US')} (${windowSec} s each, ${model.phases} phase(s); ` +
      `${tr.windows_too_small} under ${model.min_packets} packets, ${tr.windows_alerted} named by an alert)`,
    `hosts        ${tr.hosts} (${Object.keys(model.baseline.hosts).length} with a baseline of their own)`,
    `threshold    ${model.threshold.toPrecision(6)} for a budget of ${budget} (scores p50 ${tr.score_quantiles.p50}, p99 ${tr.score_quantiles.p99}, max ${tr.score_quantiles.max})`,
    tr.expected_alerts_per_hour === 0
      // No training window above the threshold (the budget allows fewer than one, or the top scores tie):
      // a measured 0 says nothing about the rate on new traffic.
      ? `expected     no training window is above it (the budget allows ${tr.budget_windows?.toFixed(2) ?? '?'} of ${tr.windows_used.toLocaleString('en-US')} in ` +
        `${durationText(tr.duration_sec)} of traffic): too little to measure a rate; held-out or more training traffic measures it`
      : `expected     ${tr.expected_alerts_per_hour.toFixed(2)} alerts/hour (${tr.expected_alerts_per_day.toFixed(1)}/day) on traffic like the training traffic`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train [files..]',
  describe: 'Learn a baseline of normal traffic from capture files (Isolation Forest or autoencoders)',
  builder: (y: Argv) => y
    .positional('files', { type: 'string', array: true, describe: 'capture files of normal traffic (.pcap, .pcapng)' })
    .option('model', { type: 'string', describe: 'model file to write (default $NETWATCH_MODEL or ~/.local/share/netwatch/model.json); an existing one is kept as FILE.prev' })
    .option('model-type', { type: 'string', choices: ['isolation-forest', 'autoencoder'] as const, default: 'isolation-forest' as const, describe: 'the model' })
    .option('window', { type: 'string', default: '30s', describe: 'host window length in packet time (10s, 1m)' })
    .option('alerts-per-day', { type: 'number', describe: `alert budget: the threshold lets this many windows a day through on traffic like this (default ${DEFAULT_ALERTS_PER_DAY})` })
    .option('contamination', { type: 'number', describe: 'alert budget as the share of windows above the threshold (0-0.5), instead of --alerts-per-day' })
    .option('seed', { type: 'number', default: 1, describe: 'random seed: the same seed and traffic give the same model' })
    .option('min-packets', { type: 'number', default: 5, describe: 'windows with fewer packets (sent plus received) are neither learnt nor scored' })
    .option('phases', { type: 'number', default: 5, describe: 'read the training traffic on this many window grids, shifted by window/phases (more windows of the same length)' })
    .option('trees', { type: 'number', describe: 'isolation forest: number of trees (default 100)' })
    .option('epochs', { type: 'number', describe: 'autoencoder: passes over the training windows (default 10)' })
    .option('config', { type: 'string', describe: 'JSON config file with detection thresholds (the heuristic detectors screen the training traffic)' })
    .option('json', { type: 'boolean', default: false, describe: 'print the training summary as one JSON object' })
    .example('netwatch train normal.pcap --model model.json', 'learn from one capture of normal traffic')
    .example('netwatch train mon.pcap tue.pcap --alerts-per-day 5 --seed 7', 'a stricter budget, a fixed seed')
    .example('netwatch train normal.pcap --model-type autoencoder --model ae.json', 'the KitNET-style autoencoder ensemble')
    .epilog('Then: netwatch detect suspect.pcap --model model.json, or capture --model, or "model" in the daemon config. ' +
      'See docs/model.md for the features and how the threshold is chosen.') as unknown as Argv<TrainArgs>,
  handler,
};
